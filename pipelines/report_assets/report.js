// GlovEgo error report: renders report.json (embedded in index.html) with plain DOM calls; no network.
"use strict";
(function () {
  const R = JSON.parse(document.getElementById("report-data").textContent);
  const names = Object.assign({}, R.box_errors.names, R.ehoi_errors.names);
  const colours = R.kind_colours || {};

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(key, value);
    }
    for (const child of children) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const fmt = (v) => (v === null || v === undefined ? "—" : v.toFixed(2));
  const signed = (v) => (v === null || v === undefined ? "—" : (v > 0 ? "+" : "") + v.toFixed(2));
  function numberCell(value, path, extra) {
    return el("td", Object.assign({ "data-path": path }, extra || {}), value);
  }
  function deltaCell(v) {
    return el("td", { class: v > 0 ? "gain" : v < 0 ? "loss" : null }, signed(v));
  }
  function table(head, rows) {
    const t = el("table", {});
    t.append(el("tr", {}, ...head.map((h) => el("th", {}, h))));
    rows.forEach((r) => t.append(r));
    return t;
  }
  function body(id) {
    return document.querySelector("#" + id + " .body");
  }

  // Header and metrics.
  const counts = R.metrics.counts;
  document.getElementById("sources").textContent =
    `${R.sources.ground_truth} · ${R.sources.predictions} · ${counts.images} images, ` +
    `${counts.gt_hands} GT hands, ${counts.gt_objects} GT objects, ${counts.predictions} predictions`;
  const cmp = R.compare;
  body("metrics").append(table(["metric", "value"].concat(cmp ? ["Δ vs other run"] : []),
    Object.entries(R.metrics.ehoi).map(([name, value]) => {
      const row = el("tr", {}, el("td", { class: name === R.ehoi_errors.headline ? "headline" : null }, name),
        el("td", { class: name === R.ehoi_errors.headline ? "headline" : null },
          R.metrics.undefined.includes(name) ? "no GT" : fmt(value)));
      if (cmp) row.append(deltaCell(cmp.metrics[name]));
      return row;
    })));

  // Box errors.
  const box = R.box_errors;
  function boxRows(rows, base) {
    return Object.entries(rows).map(([name, row]) => {
      const tr = el("tr", {}, el("td", {}, name), el("td", {}, fmt(row.ap)));
      for (const kind of box.kinds) {
        tr.append(numberCell(row.counts[kind], `${base}/${name}/counts/${kind}`));
        tr.append(el("td", { class: "gain" }, signed(row.dap[kind])));
      }
      for (const oracle of box.oracles) tr.append(el("td", {}, signed(row.dap[oracle])));
      return tr;
    });
  }
  const boxHead = ["", "AP"].concat(...box.kinds.map((k) => [names[k], "dAP"]), box.oracles.map((o) => "dAP " + o));
  body("box").append(table(boxHead, boxRows(box.summary, "box_errors/summary")));
  const perClass = el("details", {}, el("summary", {}, "per class (hand and each object class)"));
  perClass.append(table(boxHead, boxRows(box.per_class, "box_errors/per_class")));
  body("box").append(perClass);

  // EHOI errors.
  const ehoi = R.ehoi_errors;
  body("ehoi").append(el("p", { class: "note" }, "hands whose box is right: ",
    el("span", { "data-path": "ehoi_errors/box_right_hands" }, ehoi.box_right_hands)));
  body("ehoi").append(table(["error", "hands", "metric", "dAP on it", "dAP " + ehoi.headline]
    .concat(cmp && cmp.ehoi_dap ? ["Δ dAP vs other run"] : []),
    Object.entries(ehoi.rows).map(([kind, row]) => {
      const tr = el("tr", {}, el("td", {}, ehoi.names[kind] || kind), numberCell(row.count, `ehoi_errors/rows/${kind}/count`),
        el("td", {}, row.metric), el("td", { class: "gain" }, signed(row.dap)),
        el("td", { class: "gain" }, signed(row.dap_headline)));
      if (cmp && cmp.ehoi_dap && cmp.ehoi_dap[kind]) tr.append(deltaCell(cmp.ehoi_dap[kind].dap));
      return tr;
    })));

  // Confusion matrices.
  const matrices = el("div", { class: "matrices" });
  for (const [name, m] of Object.entries(R.confusion)) {
    const rows = m.matrix.map((line, i) => el("tr", {}, el("th", {}, "GT " + m.labels[i]),
      ...line.map((v, j) => numberCell(v, `confusion/${name}/matrix/${i}/${j}`))));
    const t = table([name].concat(m.labels.map((l) => "pred " + l)), rows);
    matrices.append(t);
  }
  body("confusion").append(matrices);

  // Per-class AP.
  const metrics = Object.keys(R.per_class_ap);
  const classes = [...new Set(metrics.flatMap((m) => Object.keys(R.per_class_ap[m])))];
  body("classes").append(table(["class"].concat(metrics), classes.map((c) =>
    el("tr", {}, el("td", {}, c), ...metrics.map((m) => el("td", {}, fmt(R.per_class_ap[m][c])))))));

  // PR curves as SVG (the 101-point precision envelope each AP averages).
  const curves = el("div", { class: "curves" });
  const NS = "http://www.w3.org/2000/svg";
  for (const [name, precision] of Object.entries(R.curves)) {
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("width", "220");
    svg.setAttribute("height", "170");
    svg.setAttribute("viewBox", "-30 -10 230 170");
    const points = precision.map((p, i) => `${(i / 100) * 190},${150 - p * 150}`).join(" ");
    svg.innerHTML = `<rect x="0" y="0" width="190" height="150" fill="#fff" stroke="#90a4ae"/>` +
      `<polyline points="0,150 ${points} 190,150" fill="rgba(192,57,43,0.15)" stroke="#c0392b" stroke-width="2"/>` +
      `<text x="-26" y="8" font-size="10">1.0</text><text x="-26" y="150" font-size="10">0</text>` +
      `<text x="150" y="164" font-size="10">recall 1</text>`;
    curves.append(el("figure", {}, svg, el("figcaption", {}, `${name}: ${fmt(R.metrics.ehoi[name])}`)));
  }
  body("curves").append(curves);

  // Galleries.
  const kindSelect = document.getElementById("filter-kind");
  const classSelect = document.getElementById("filter-class");
  const nameInput = document.getElementById("filter-name");
  const glovesSelect = document.getElementById("filter-gloves");
  const groupSelect = document.getElementById("filter-group");
  const groupOf = (image) => image.video || image.source || "";
  groupSelect.append(el("option", { value: "" }, "any"));
  for (const group of [...new Set(Object.values(R.images).map(groupOf))].filter((g) => g).sort()) {
    groupSelect.append(el("option", { value: group }, group));
  }
  kindSelect.append(el("option", { value: "" }, "every kind"));
  for (const [kind, ranks] of Object.entries(R.galleries)) {
    kindSelect.append(el("option", { value: kind }, `${names[kind] || kind} (${ranks.length})`));
  }
  if (cmp && cmp.images.length) kindSelect.append(el("option", { value: "compare" }, `disagree with the other run (${cmp.images.length})`));
  classSelect.append(el("option", { value: "" }, "every class"));
  for (const [id, name] of Object.entries(R.categories)) classSelect.append(el("option", { value: id }, name));
  document.getElementById("gallery-note").textContent =
    `At most ${R.settings.gallery_size} images per kind: those that lose the most (sum of the scores of that kind's ` +
    `wrong detections; a missed GT counts 1). Left: ground truth, right: predictions (score ≥ ${R.settings.draw_score}` +
    ` and every error), each error boxed and labelled in its kind's colour.`;
  const missingNames = new Set((R.missing_images || []).map((m) => m.file_name));

  function card(rank, extra) {
    const image = R.images[rank];
    const tags = Object.entries(image.counts).map(([kind, n]) =>
      el("span", { class: "tag", style: `background:${colours[kind] || "#546e7a"}` }, `${names[kind] || kind} ${n}`));
    const picture = image.thumb ? el("img", { src: image.thumb, alt: image.file_name, loading: "eager" })
      : el("div", { class: "missing" }, `${image.file_name}: picture missing`);
    const box = el("div", { class: "card", "data-rank": rank }, picture,
      el("div", {}, el("b", {}, image.file_name), ` (id ${image.image_id})`), el("div", {}, ...tags));
    if (extra) box.append(el("div", {}, extra));
    return box;
  }
  function matchesClass(rank, cls) {
    return !cls || R.images[rank].errors.some((e) => String(e.category_id) === cls);
  }
  function render() {
    const kind = kindSelect.value, cls = classSelect.value, text = nameInput.value.toLowerCase();
    const cards = document.getElementById("cards");
    cards.replaceChildren();
    let entries;
    if (kind === "compare") {
      entries = cmp.images.map((c) => [c.rank, `differs by ${c.difference} errors; other run: ` +
        (Object.entries(c.other).map(([k, n]) => `${names[k] || k} ${n}`).join(", ") || "none")]);
    } else {
      const ranks = kind ? R.galleries[kind] : [...new Set(Object.values(R.galleries).flat())];
      entries = ranks.map((r) => [r, null]);
    }
    let shown = 0;
    for (const [rank, extra] of entries) {
      const image = R.images[rank];
      if (!matchesClass(rank, cls) || !image.file_name.toLowerCase().includes(text)) continue;
      if (glovesSelect.value && !image.gt_gloves[glovesSelect.value]) continue;
      if (groupSelect.value && groupOf(image) !== groupSelect.value) continue;
      cards.append(card(rank, extra));
      shown += 1;
    }
    document.getElementById("gallery-count").textContent = `${shown} image(s)`;
  }
  [kindSelect, classSelect, glovesSelect, groupSelect].forEach((s) => s.addEventListener("change", render));
  nameInput.addEventListener("input", render);
  render();
  if (missingNames.size) {
    const list = el("ul", {}, ...R.missing_images.map((m) => el("li", {}, `${m.file_name}: ${m.problem}`)));
    document.getElementById("missing").append(el("h3", {}, `Pictures missing (${missingNames.size})`), list);
  }

  // Comparison.
  const compareBody = body("compare");
  if (!cmp) {
    compareBody.append(el("p", { class: "note" }, "No other run given (glovego eval … --report DIR --compare OTHER_DIR)."));
  } else {
    compareBody.append(el("p", { class: "note" }, `Δ = this run − ${R.sources.compare}.` +
      (cmp.same_images ? "" : " The other run has other images: metric deltas only.")));
    for (const [row, values] of Object.entries(cmp.box_dap)) {
      compareBody.append(table([row].concat(Object.keys(values).map((k) => "Δ dAP " + (names[k] || k))),
        [el("tr", {}, el("td", {}, "this − other"), ...Object.values(values).map(deltaCell))]));
    }
  }
})();
