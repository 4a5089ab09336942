// The scan page viewer: the overlay takes the image's own pixel size (boxes are in image pixels), and a
// text line and its box light up together. The batch list reloads itself while a batch runs.
(function () {
  var img = document.getElementById("scan-image");
  var svg = document.getElementById("scan-overlay");
  if (img && svg) {
    var fit = function () {
      if (img.naturalWidth) {
        svg.setAttribute("viewBox", "0 0 " + img.naturalWidth + " " + img.naturalHeight);
      }
    };
    if (img.complete) { fit(); } else { img.addEventListener("load", fit); }
    var light = function (n, on) {
      var rect = svg.querySelector('rect[data-line="' + n + '"]');
      var item = document.getElementById("line-" + n);
      if (rect) { rect.classList.toggle("lit", on); }
      if (item) { item.classList.toggle("lit", on); }
    };
    // the confirmation table: a field's row and the boxes its values were read from light up together
    document.querySelectorAll(".describe-table tr[data-field]").forEach(function (row) {
      var field = row.getAttribute("data-field");
      var boxes = svg.querySelectorAll('rect[data-field="' + field + '"]');
      var set = function (on) {
        row.classList.toggle("lit", on);
        boxes.forEach(function (rect) { rect.classList.toggle("lit", on); });
      };
      ["mouseenter", "focusin"].forEach(function (e) { row.addEventListener(e, function () { set(true); }); });
      ["mouseleave", "focusout"].forEach(function (e) { row.addEventListener(e, function () { set(false); }); });
    });
    document.querySelectorAll(".ocr-lines li").forEach(function (li) {
      var n = li.getAttribute("data-line");
      ["mouseenter", "focus"].forEach(function (e) { li.addEventListener(e, function () { light(n, true); }); });
      ["mouseleave", "blur"].forEach(function (e) { li.addEventListener(e, function () { light(n, false); }); });
    });
  }
  var refresh = document.querySelector("[data-refresh]");
  if (refresh) {
    window.setTimeout(function () { window.location.reload(); }, 1000 * Number(refresh.getAttribute("data-refresh")));
  }
})();
