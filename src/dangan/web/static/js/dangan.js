// Confirmation before an action that cannot be taken back (确认移交, 接收, 批量处理 …):
// any submit button or form with data-confirm="问题" asks first. Inline scripts are barred by the CSP.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var question = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
