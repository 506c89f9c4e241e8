// The queue's bulk form, with script: "select all on this page" ticks every row, and the
// bar counts the selection. Without script the same form works as it is (the "select all"
// box alone sends the whole page; see templates/claims/index.html).
(function () {
  "use strict";

  var form = document.getElementById("bulk-form");
  var all = document.getElementById("select-all");
  if (!form || !all) {
    return;
  }
  var count = document.getElementById("bulk-count");
  var boxes = Array.prototype.slice.call(
    document.querySelectorAll("input[type=checkbox][name=claim][form=bulk-form]")
  );

  function selected() {
    return boxes.filter(function (box) {
      return box.checked;
    }).length;
  }

  function update() {
    var n = selected();
    if (count) {
      count.textContent = n ? n + " selected" : "";
    }
    boxes.forEach(function (box) {
      var row = box.closest("tr");
      if (row) {
        row.classList.toggle("is-selected", box.checked);
      }
    });
  }

  all.addEventListener("change", function () {
    boxes.forEach(function (box) {
      box.checked = all.checked;
    });
    update();
  });

  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      // "Select all" sends the whole page: it stays ticked only while every row is.
      all.checked = boxes.length > 0 && selected() === boxes.length;
      update();
    });
  });

  update();
})();
