// The guided first tour (新手导览): a bubble anchored to the page element a step names by its
// data-tour attribute, with 上一步 / 下一步 / 跳过导览, keyboard operable (←/→, Esc). Steps come from
// /help/tour (tours.json, per role); progress is kept in localStorage under a per-user key, and the
// server's session is told once the tour is finished or skipped so it is not offered again.
(function () {
  "use strict";
  var tour = null;
  var bubble = null;
  var target = null;

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(tour.key) || "null");
    } catch (e) {
      return null;
    }
  }
  function save(state) {
    try {
      window.localStorage.setItem(tour.key, JSON.stringify(state));
    } catch (e) { /* private mode: the tour still runs on this page */ }
  }
  function markSeen() {
    var token = document.querySelector('input[name="csrf_token"]');
    fetch("/help/tour/seen", {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": token ? token.value : "" }
    }).catch(function () {});
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text) { node.textContent = text; }
    return node;
  }
  function button(label, cls, handler) {
    var b = el("button", "btn " + (cls || ""), label);
    b.type = "button";
    b.addEventListener("click", handler);
    return b;
  }

  function clear() {
    if (bubble) { bubble.remove(); bubble = null; }
    var pill = document.getElementById("tour-resume");
    if (pill) { pill.remove(); }
    if (target) { target.classList.remove("tour-target"); target = null; }
    document.querySelectorAll(".navgroup.tour-open").forEach(function (g) { g.classList.remove("tour-open"); });
  }

  function go(index) {
    var step = tour.steps[index];
    save({ status: "active", step: index });
    if (step.page === window.location.pathname) {
      show(index);
    } else {
      window.location.assign(step.page);
    }
  }
  function stop(status) {
    var state = load() || { step: 0 };
    save({ status: status, step: status === "done" ? 0 : state.step });
    clear();
    markSeen();
  }

  function place() {
    if (!bubble) { return; }
    var width = bubble.offsetWidth;
    var height = bubble.offsetHeight;
    var top, left;
    if (target) {
      var r = target.getBoundingClientRect();
      top = r.bottom + 12;
      if (top + height > window.innerHeight && r.top - height - 12 > 0) { top = r.top - height - 12; }
      left = Math.min(Math.max(8, r.left), window.innerWidth - width - 8);
    } else {
      top = (window.innerHeight - height) / 2;
      left = (window.innerWidth - width) / 2;
    }
    bubble.style.top = Math.max(8, top) + window.scrollY + "px";
    bubble.style.left = Math.max(8, left) + window.scrollX + "px";
  }

  function show(index) {
    clear();
    var steps = tour.steps;
    var step = steps[index];
    target = document.querySelector(step.selector);
    if (target) {
      var group = target.closest(".navgroup");
      if (group) { group.classList.add("tour-open"); }
      target.classList.add("tour-target");
      target.scrollIntoView({ block: "center", inline: "nearest" });
    }
    bubble = el("div", "tour-bubble");
    bubble.id = "tour-bubble";
    bubble.setAttribute("role", "dialog");
    bubble.setAttribute("aria-labelledby", "tour-title");
    bubble.setAttribute("aria-describedby", "tour-text");
    bubble.setAttribute("data-step", String(index));
    bubble.appendChild(el("p", "tour-count", "新手导览 · 第 " + (index + 1) + " / " + steps.length + " 步"));
    var title = el("h2", "tour-title", step.title);
    title.id = "tour-title";
    bubble.appendChild(title);
    var text = el("p", "tour-text", step.text + (target ? "" : "（本页没有找到要介绍的位置。）"));
    text.id = "tour-text";
    bubble.appendChild(text);
    var bar = el("div", "tour-actions");
    var back = button("上一步", "", function () { go(index - 1); });
    back.id = "tour-back";
    back.disabled = index === 0;
    var last = index === steps.length - 1;
    var next = button(last ? "完成" : "下一步", "btn-primary", function () {
      if (last) { stop("done"); } else { go(index + 1); }
    });
    next.id = "tour-next";
    var skip = button("跳过导览", "btn-ghost", function () { stop("paused"); });
    skip.id = "tour-skip";
    bar.appendChild(back);
    bar.appendChild(next);
    bar.appendChild(skip);
    bubble.appendChild(bar);
    bubble.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); stop("paused"); }
      else if (event.key === "ArrowRight") { event.preventDefault(); next.click(); }
      else if (event.key === "ArrowLeft" && index > 0) { event.preventDefault(); back.click(); }
    });
    document.body.appendChild(bubble);
    place();
    next.focus({ preventScroll: true });
  }

  function offer() {
    // First visit: a welcome card in the page's flow (it covers nothing), not a tour forced on the user.
    var main = document.querySelector("main");
    if (!main) { return; }
    var card = el("section", "tour-offer panel");
    card.id = "tour-offer";
    card.setAttribute("aria-label", "新手导览");
    card.appendChild(el("p", "tour-offer-text",
      "欢迎使用！用 " + tour.steps.length + " 步带您认识本角色的主要工作在哪里，随时可以跳过，也可以在「帮助」中重新开始。"));
    card.appendChild(button("开始导览", "btn-primary", function () { card.remove(); go(0); }));
    card.appendChild(button("以后再说", "btn-ghost", function () { card.remove(); stop("paused"); }));
    main.insertBefore(card, main.firstChild);
  }

  function resumePill(state) {
    var pill = el("div", "tour-resume");
    pill.id = "tour-resume";
    pill.setAttribute("role", "region");
    pill.setAttribute("aria-label", "新手导览");
    pill.appendChild(el("span", "", "导览进行中：第 " + (state.step + 1) + " / " + tour.steps.length + " 步"));
    pill.appendChild(button("继续", "btn-primary", function () { go(state.step); }));
    pill.appendChild(button("跳过", "btn-ghost", function () { stop("paused"); }));
    document.body.appendChild(pill);
  }

  function wireHelpPage(state) {
    var restart = document.querySelector("[data-tour-restart]");
    if (restart) { restart.addEventListener("click", function () { go(0); }); }
    var resume = document.querySelector("[data-tour-resume]");
    if (resume && state && state.status === "paused" && state.step > 0 && state.step < tour.steps.length) {
      resume.hidden = false;
      resume.textContent = "继续导览（第 " + (state.step + 1) + " 步）";
      resume.addEventListener("click", function () { go(state.step); });
    }
  }

  function start(data) {
    if (!data || !data.steps || !data.steps.length) { return; }
    tour = data;
    var state = load();
    wireHelpPage(state);
    if (state && state.status === "active" && state.step >= 0 && state.step < tour.steps.length) {
      if (tour.steps[state.step].page === window.location.pathname) { show(state.step); }
      else { resumePill(state); }
    } else if (!state && !tour.seen && window.location.pathname === tour.steps[0].page) {
      // The user's very first login: the tour starts by itself (skippable at once); later: a welcome card.
      if (tour.first_login) { go(0); } else { offer(); }
    }
  }

  window.addEventListener("resize", place);
  fetch("/help/tour", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(start)
    .catch(function () {});
})();
