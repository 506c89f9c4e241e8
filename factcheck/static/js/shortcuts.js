// Keyboard shortcuts for the queue and the claim page. Progressive enhancement only:
// every action they reach has its own link or button, and the list of keys is a
// section of every page (#shortcuts) that opens without script. No key fires while
// typing in a field or with Ctrl, Alt or Meta held.
(function () {
  "use strict";

  var QUEUE_ORDER = "factcheck.queue-order"; // the queue page's claim links, for j/k on a claim
  var help = document.getElementById("shortcuts");
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.queue tr[data-row]"));
  var current = -1;
  var returnFocus = null;

  function typing(target) {
    if (!target || !target.closest) {
      return false;
    }
    if (target.isContentEditable || target.closest("textarea, select")) {
      return true;
    }
    var input = target.closest("input");
    return !!input && !/^(checkbox|radio|button|submit|reset)$/i.test(input.type);
  }

  function submit(form) {
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  // Help --------------------------------------------------------------------------------
  function showHelp(show) {
    if (!help) {
      return;
    }
    if (show) {
      returnFocus = document.activeElement;
    }
    help.open = show;
    help.classList.toggle("overlay", show);
    if (show) {
      help.querySelector("summary").focus();
    } else if (returnFocus && returnFocus.focus) {
      returnFocus.focus();
      returnFocus = null;
    }
  }

  if (help) {
    help.addEventListener("toggle", function () {
      if (!help.open) {
        help.classList.remove("overlay");
      }
    });
  }

  // The queue ---------------------------------------------------------------------------
  function focusRow(index, scroll) {
    if (!rows.length) {
      return;
    }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (current >= 0 && rows[current]) {
      rows[current].classList.remove("is-focused");
      rows[current].removeAttribute("aria-current");
    }
    current = index;
    rows[index].classList.add("is-focused");
    rows[index].setAttribute("aria-current", "true");
    if (scroll !== false) {
      rows[index].scrollIntoView({ block: "nearest" });
    }
  }

  // x, t and d act on the highlighted row only: nothing is taken or ticked unseen.
  function focusedRow() {
    return current >= 0 ? rows[current] : null;
  }

  function queueKey(key, event) {
    var row;
    if (key === "j") {
      focusRow(current + 1);
      return true;
    }
    if (key === "k") {
      focusRow(current < 0 ? 0 : current - 1);
      return true;
    }
    row = focusedRow();
    if (!row) {
      return false;
    }
    if (key === "x") {
      var box = row.querySelector("input[type=checkbox][name=claim]");
      if (box) {
        box.click(); // a real click: change events, bulk.js's count
      }
      return !!box;
    }
    if (key === "o" || key === "Enter") {
      if (key === "Enter" && event.target.closest && event.target.closest("a, button, summary, input")) {
        return false; // Enter on a link or button does what it does
      }
      window.location.assign(row.getAttribute("data-href"));
      return true;
    }
    if (key === "t") {
      var take = row.querySelector("form[data-shortcut=take]");
      if (take) {
        submit(take);
      }
      return !!take;
    }
    if (key === "d") {
      var pick = row.querySelector("input[type=checkbox][name=claim]");
      var reason = document.getElementById("bulk-reason");
      if (!pick || !reason) {
        return false;
      }
      if (!pick.checked) {
        pick.click();
      }
      reason.scrollIntoView({ block: "center" });
      reason.focus();
      return true;
    }
    return false;
  }

  if (rows.length) {
    rows.forEach(function (row, index) {
      row.addEventListener("focusin", function () {
        focusRow(index, false);
      });
    });
    try {
      var order = rows.map(function (row) {
        return row.getAttribute("data-href");
      });
      window.sessionStorage.setItem(QUEUE_ORDER, JSON.stringify(order));
    } catch (e) {
      // no storage (private mode): j/k on a claim page simply do nothing
    }
  }

  // A claim page ------------------------------------------------------------------------
  function neighbour(step) {
    var order;
    try {
      order = JSON.parse(window.sessionStorage.getItem(QUEUE_ORDER) || "[]");
    } catch (e) {
      return null;
    }
    var here = order.indexOf(window.location.pathname);
    if (here < 0 || here + step < 0 || here + step >= order.length) {
      return null;
    }
    return order[here + step];
  }

  function claimKey(key) {
    if (key === "t") {
      var take = document.querySelector("form[data-shortcut=take]");
      if (take) {
        submit(take);
      }
      return !!take;
    }
    if (key === "d") {
      var dismiss = document.querySelector("details[data-shortcut=dismiss]");
      if (!dismiss) {
        return false;
      }
      dismiss.open = true;
      var field = dismiss.querySelector("select, textarea, button");
      dismiss.scrollIntoView({ block: "center" });
      if (field) {
        field.focus();
      }
      return true;
    }
    if (key === "j" || key === "k") {
      var link = document.querySelector(key === "j" ? "a[data-shortcut=next]" : "a[data-shortcut=prev]");
      var target = link ? link.getAttribute("href") : neighbour(key === "j" ? 1 : -1);
      if (target) {
        window.location.assign(target);
      }
      return !!target;
    }
    return false;
  }

  var onClaimPage = !!document.querySelector("[data-claim-page]");

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) {
      return;
    }
    var key = event.key;
    if (key === "Escape" && help && help.classList.contains("overlay")) {
      showHelp(false);
      event.preventDefault();
      return;
    }
    if (typing(event.target)) {
      return;
    }
    var handled = false;
    if (key === "?") {
      showHelp(!(help && help.classList.contains("overlay")));
      handled = !!help;
    } else if (rows.length) {
      handled = queueKey(key, event);
    } else if (onClaimPage) {
      handled = claimKey(key);
    }
    if (handled) {
      event.preventDefault();
    }
  });
})();
