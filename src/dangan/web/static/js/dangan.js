// Confirmation before an action that cannot be taken back (确认移交, 接收, 批量处理 …):
// any submit button or form with data-confirm="问题" asks first. Inline scripts are barred by the CSP.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var question = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// "/" puts the cursor in the search box (the page's own, else the strip under the menu), unless the
// user is already typing somewhere.
document.addEventListener("keydown", function (event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
    return;
  }
  var target = event.target;
  var tag = target && target.tagName;
  if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) {
    return;
  }
  var box = document.querySelector('form[role="search"] input[name="q"]');
  if (box) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});
