// QunGuard moderator page: keys and buttons -> htmx requests that return the updated queue.
// Plain JavaScript, no build step. The server renders everything; this file only keeps the focus,
// the selection, and turns keys into POSTs carrying the session's CSRF token.
(function () {
  "use strict";
  var LABELS = ["on_topic", "spam", "advertising", "flooding"];
  var focusId = null;      // data-id of the focused message
  var afterSwap = null;    // where the focus goes once the next queue arrives
  var busy = false;        // a request is in flight: keys wait in `pending`, in order
  var pending = [];

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function rows() { return $$("#queue .item"); }
  function csrf() { return document.body.getAttribute("data-csrf"); }

  function focusRow(row) {
    rows().forEach(function (r) { r.classList.remove("focus"); r.removeAttribute("aria-current"); });
    if (!row) { focusId = null; return; }
    row.classList.add("focus");
    row.setAttribute("aria-current", "true");
    focusId = row.getAttribute("data-id");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function focused() {
    var list = rows();
    return list.filter(function (r) { return r.getAttribute("data-id") === focusId; })[0] || null;
  }

  function move(step) {
    var list = rows();
    if (!list.length) return;
    var i = list.indexOf(focused());
    focusRow(list[Math.min(list.length - 1, Math.max(0, i < 0 ? 0 : i + step))]);
  }

  function selected() { return $$("#queue .sel:checked"); }

  function updateBulkbar() {
    var n = selected().length, bar = $("#bulkbar");
    if (!bar) return;
    bar.hidden = n === 0;
    $("#bulk-count").textContent = String(n);
    rows().forEach(function (r) { r.classList.toggle("selected", $(".sel", r).checked); });
  }

  function filters() {
    var form = $("#filters"), out = {};
    if (form) new FormData(form).forEach(function (v, k) { out[k] = v; });
    var q = $("#queue"), before = q && q.getAttribute("data-before");
    if (before) out.before = before;
    return out;
  }

  function post(path, values, focusAfter) {
    busy = true;
    afterSwap = focusAfter;
    var body = filters();
    Object.keys(values).forEach(function (k) { body[k] = values[k]; });
    htmx.ajax("POST", path, { target: "#queue", swap: "outerHTML", values: body,
                              headers: { "X-CSRF-Token": csrf() } });
  }

  // after a decision the focus advances: to the message that came next, wherever it is now
  function nextFocus(row) {
    var list = rows(), i = list.indexOf(row), next = list[i + 1] || null;
    return { id: next ? next.getAttribute("data-id") : null, index: i };
  }

  function decide(decision, label) {
    var chosen = selected();
    var values = { decision: decision };
    if (decision === "relabel") values.new_label = label;
    if (chosen.length) {
      values.ids = chosen.map(function (c) { return c.value; });
      post("/ui/bulk", values, { id: focusId, index: rows().indexOf(focused()) });
      return;
    }
    var row = focused();
    if (!row) return;
    values.item_id = row.getAttribute("data-id");
    values.version = row.getAttribute("data-version");
    post("/ui/decide", values, nextFocus(row));
  }

  function undo() { post("/ui/undo", {}, { id: null, index: rows().indexOf(focused()) }); }

  function reload() {
    busy = true;
    afterSwap = { id: focusId, index: rows().indexOf(focused()) };
    var params = new URLSearchParams(filters()).toString();
    htmx.ajax("GET", "/ui/queue?" + params, { target: "#queue", swap: "outerHTML" });
  }

  function toggleHelp(show) {
    var help = $("#help");
    if (help) help.hidden = show === undefined ? !help.hidden : !show;
  }

  function toggleSelect() {
    var row = focused();
    if (!row) return;
    var box = $(".sel", row);
    box.checked = !box.checked;
    updateBulkbar();
  }

  function clearSelection() {
    selected().forEach(function (c) { c.checked = false; });
    updateBulkbar();
  }

  var KEYS = {
    j: function () { move(1); }, k: function () { move(-1); },
    c: function () { decide("confirm"); }, d: function () { decide("dismiss"); },
    u: undo, x: toggleSelect, r: reload, "?": function () { toggleHelp(); },
    Escape: function () { toggleHelp(false); clearSelection(); }
  };
  LABELS.forEach(function (label, i) { KEYS[String(i + 1)] = function () { decide("relabel", label); }; });

  // keys pressed while the queue is being replaced act on the new one, in the order pressed
  function run(key) {
    if (busy && key !== "?" && key !== "Escape") { pending.push(key); return; }
    KEYS[key]();
  }

  document.addEventListener("keydown", function (e) {
    if (!$("#queue") && e.key !== "?" && e.key !== "Escape") return;
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (t && (t.tagName === "INPUT" && t.type !== "checkbox" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) {
      if (e.key === "Escape") t.blur();
      return;
    }
    if (!Object.prototype.hasOwnProperty.call(KEYS, e.key)) return;
    e.preventDefault();
    run(e.key);
  });

  document.addEventListener("click", function (e) {
    var el = e.target.closest ? e.target.closest("[data-act]") : null;
    if (el) {
      var act = el.getAttribute("data-act"), row = el.closest(".item");
      if (row) focusRow(row);
      if (act === "confirm" || act === "dismiss") decide(act);
      else if (act === "relabel") decide("relabel", el.getAttribute("data-label"));
      else if (act === "undo") undo();
      else if (act === "help") toggleHelp();
      else if (act === "clear") clearSelection();
      return;
    }
    var item = e.target.closest ? e.target.closest("#queue .item") : null;
    if (item && !e.target.closest("a")) focusRow(item);
  });

  document.addEventListener("change", function (e) {
    if (e.target.classList && e.target.classList.contains("sel")) updateBulkbar();
    if (e.target.classList && e.target.classList.contains("autosubmit")) e.target.form.submit();
  });

  function settle() {
    var list = rows(), q = $("#queue"), target = null;
    var want = q && q.getAttribute("data-focus");
    if (want) target = $("#item-" + want);
    if (!target && afterSwap && afterSwap.id) target = $("#item-" + afterSwap.id);
    if (!target && afterSwap && afterSwap.index >= 0) target = list[Math.min(afterSwap.index, list.length - 1)] || null;
    if (!target && focusId) target = $("#item-" + focusId);
    focusRow(target || list[0] || null);
    afterSwap = null;
    updateBulkbar();
    busy = false;
    if (pending.length) run(pending.shift());
  }

  // the new #queue (outerHTML swap) announces itself; other nodes of a swap are not ours
  document.addEventListener("htmx:afterSettle", function (e) {
    if (e.target && e.target.id === "queue") settle();
  });
  document.addEventListener("htmx:beforeRequest", function (e) {
    var q = $("#queue");
    if (q && e.detail && e.detail.target === q) { busy = true; }
    var err = $("#error"); if (err) err.hidden = true;
  });
  document.addEventListener("htmx:responseError", function (e) {
    var err = $("#error"), xhr = e.detail.xhr;
    if (err) { err.textContent = "The server refused: " + xhr.status + " " + (xhr.responseText || "").slice(0, 300); err.hidden = false; }
    busy = false; pending = [];
  });
  document.addEventListener("htmx:sendError", function () {
    var err = $("#error");
    if (err) { err.textContent = "The server did not answer; the decision was not sent. Try again."; err.hidden = false; }
    busy = false; pending = [];
  });
  document.addEventListener("DOMContentLoaded", function () {
    var list = rows();
    if (list.length) focusRow(list[0]);
    updateBulkbar();
  });
})();
