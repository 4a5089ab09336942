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

// Esc dismisses an open ⓘ tooltip (WCAG 1.4.13: content on hover or focus is dismissible). The tip is
// shown by CSS on :hover / :focus-within; "tip-dismissed" hides it until the pointer leaves the tip and
// focus moves out of it, so the next hover or focus shows it again.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape" && event.key !== "Esc") {
    return;
  }
  var open = document.querySelectorAll(".tip:hover, .tip:focus-within");
  for (var i = 0; i < open.length; i++) {
    open[i].classList.add("tip-dismissed");
  }
});

function undismissTip(event) {
  var tip = event.target.closest && event.target.closest(".tip.tip-dismissed");
  if (!tip || (event.relatedTarget && tip.contains(event.relatedTarget))) {
    return;
  }
  var stillHovered = event.type === "focusout" && tip.matches(":hover");
  var stillFocused = event.type === "mouseout" && tip.contains(document.activeElement);
  if (!stillHovered && !stillFocused) {
    tip.classList.remove("tip-dismissed");
  }
}
document.addEventListener("mouseout", undismissTip);
document.addEventListener("focusout", undismissTip);
