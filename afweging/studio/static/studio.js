/* afweging studio: draw a plan, see the plan check.
 *
 * Every text that comes from data (buurt names, plan names, messages) is put on the page
 * with textContent or as a DOM node, never as HTML. The page talks only to its own server
 * (/api/...); it loads nothing from elsewhere.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  var state = {
    area: null, format: null, map: null, buurten: null, plan: null,
    selected: null, seq: 0, controller: null, timer: null,
    result: null, resultPlan: null, variants: [], counter: 0, after: {}
  };
  window.studio = state;

  // ------------------------------------------------------------------ small helpers
  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  var nf0 = new Intl.NumberFormat("nl-NL", { maximumFractionDigits: 0 });
  var nf1 = new Intl.NumberFormat("nl-NL", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var nf3 = new Intl.NumberFormat("nl-NL", { minimumFractionDigits: 3, maximumFractionDigits: 3 });
  function num(x, f) { return (x === null || x === undefined || isNaN(x)) ? "–" : (f || nf0).format(x); }
  function setStatus(text) { $("status").textContent = text; }
  function showError(text) {
    var m = $("melding");
    m.textContent = text;
    m.hidden = !text;
  }
  function download(name, data, type) {
    var url = URL.createObjectURL(new Blob([data], { type: type }));
    var a = el("a");
    a.href = url; a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }
  function fileName(text, suffix) {
    var s = String(text || "plan").replace(/[^\w\-. ()]+/g, "_").replace(/^[ ._]+|[ ._]+$/g, "").slice(0, 80);
    return (s || "plan") + suffix;
  }
  function errorText(resp, body) {
    if (body && typeof body.detail === "string") { return body.detail; }
    return "De server antwoordde met " + resp.status + ".";
  }
  function postJSON(url, payload, signal) {
    return fetch(url, { method: "POST", body: JSON.stringify(payload), signal: signal,
                        headers: { "Content-Type": "application/json" } });
  }

  // ------------------------------------------------------------------ start
  function waitUntilReady() {
    fetch("/api/health").then(function (r) { return r.json().then(function (b) { return [r, b]; }); })
      .then(function (rb) {
        var r = rb[0], b = rb[1];
        if (r.status === 200) { setStatus("Klaar."); loadArea(); return; }
        setStatus(b.detail || "De studio start op …");
        if (b.status !== "fout") { setTimeout(waitUntilReady, 1000); }
      })
      .catch(function () { setStatus("De studio is niet bereikbaar. Draait 'afweging studio' nog?"); });
  }

  function loadArea() {
    fetch("/api/area").then(function (r) { return r.json(); }).then(function (doc) {
      state.area = doc;
      state.format = doc.planformaat;
      $("gebied").textContent = doc.gebied.naam;
      buildMap(doc);
      setStatus("Klaar. Teken een plan of laad een planbestand.");
      document.body.setAttribute("data-klaar", "1");
    }).catch(function (e) { setStatus("Het gebied kon niet worden geladen (" + e + ")."); });
  }

  // ------------------------------------------------------------------ the map
  var RAMP = ["#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641"];
  function colour(score) {
    if (score === null || score === undefined || isNaN(score)) { return "#cccccc"; }
    return RAMP[Math.max(0, Math.min(RAMP.length - 1, Math.floor(score * RAMP.length)))];
  }

  function buurtPopup(p) {
    var box = el("div");
    box.appendChild(el("strong", p.buurtnaam));
    box.appendChild(el("div", p.buurtcode + (p.wijknaam ? " · " + p.wijknaam : "")));
    box.appendChild(el("div", "Balansscore: " + num(p.balansscore, nf3) + (p.compleet ? "" : " (onvolledig)")));
    var after = state.after[p.buurtcode];
    if (after) { box.appendChild(el("div", "Na het plan: " + num(after.na, nf3))); }
    if (p.inwoners !== null && p.inwoners !== undefined) { box.appendChild(el("div", "Inwoners: " + num(p.inwoners))); }
    return box;
  }

  function buildMap(doc) {
    var map = L.map("kaart", { zoomControl: true, preferCanvas: false });
    state.map = map;
    state.buurten = L.geoJSON(doc, {
      style: function (f) {
        return { color: "#555", weight: 0.7, fillOpacity: 0.55, fillColor: colour(f.properties.balansscore) };
      },
      pmIgnore: true,
      onEachFeature: function (f, layer) {
        layer.bindTooltip(el("span", f.properties.buurtnaam), { sticky: true });
        layer.bindPopup(function () { return buurtPopup(f.properties); });
      }
    }).addTo(map);
    var b = doc.gebied.grenzen;
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = el("div", null, "legenda");
      box.appendChild(el("strong", "Balansscore (0–1)"));
      RAMP.forEach(function (c, i) {
        var row = el("div"), sw = el("i");
        sw.style.background = c;
        row.appendChild(sw);
        row.appendChild(document.createTextNode(nf1.format(i / RAMP.length) + " – " + nf1.format((i + 1) / RAMP.length)));
        box.appendChild(row);
      });
      return box;
    };
    legend.addTo(map);
    state.plan = L.featureGroup().addTo(map);
    map.pm.setLang("nl");
    map.pm.setGlobalOptions({ layerGroup: state.plan, snappable: true, markerStyle: { icon: POINT_ICON } });
    map.pm.addControls({
      position: "topleft", drawPolygon: true, drawRectangle: true, drawMarker: true,
      drawCircle: false, drawCircleMarker: false, drawPolyline: false, drawText: false,
      cutPolygon: false, rotateMode: false, editMode: true, dragMode: true, removalMode: true
    });
    map.on("pm:create", function (e) { adopt(e.layer, null); select(e.layer); changed(); });
    map.on("pm:remove", function (e) { if (state.selected === e.layer) { select(null); } changed(); });
    state.plan.on("pm:edit pm:dragend", function () { changed(); });
  }

  // ------------------------------------------------------------------ plan features
  function isPoint(layer) { return layer instanceof L.Marker; }

  // a facility point: a CSS dot (no image files, so nothing to load)
  var POINT_ICON = L.divIcon({ className: "afw-punt", iconSize: [16, 16], iconAnchor: [8, 8] });

  function adopt(layer, props) {
    state.counter += 1;
    var p = props ? Object.assign({}, props) : {};
    if (!p.naam) { p.naam = (isPoint(layer) ? "Voorziening " : "Vlak ") + state.counter; }
    if (!isPoint(layer) && !p.functie) { p.functie = "wonen"; }
    if (isPoint(layer) && !p.categorie) { p.categorie = state.format.categorieen[0].id; }
    layer.feature = { type: "Feature", properties: p };
    layer.on("click", function () { select(layer); });
    if (layer.setStyle) { layer.setStyle({ color: "#0b4f9c", weight: 2, fillOpacity: 0.25 }); }
    if (!state.plan.hasLayer(layer)) { state.plan.addLayer(layer); }
    layer.on("pm:edit pm:dragend", changed);
  }

  function planLayers() { return state.plan ? state.plan.getLayers() : []; }

  function planGeoJSON() {
    var features = planLayers().map(function (layer) {
      var f = layer.toGeoJSON(7);
      f.properties = cleanProps(layer);
      return f;
    });
    return { type: "FeatureCollection", name: $("plannaam").value.trim() || "plan", features: features };
  }
  state.planGeoJSON = planGeoJSON;

  function cleanProps(layer) {
    var out = {};
    var kind = isPoint(layer) ? "punt" : (layer.feature.properties.functie || "wonen");
    var props = layer.feature.properties;
    Object.keys(props).forEach(function (k) {
      var v = props[k];
      if (v === "" || v === null || v === undefined) { return; }
      var spec = propSpec(k);
      if (spec && spec.geldt_voor.indexOf(kind) < 0) { return; }  // e.g. woningen on a groen polygon
      out[k] = v;
    });
    return out;
  }

  function propSpec(name) {
    var list = state.format.eigenschappen;
    for (var i = 0; i < list.length; i++) { if (list[i].naam === name) { return list[i]; } }
    return null;
  }

  function renderObjects() {
    var ul = $("objecten");
    clear(ul);
    var layers = planLayers();
    if (!layers.length) { ul.appendChild(el("li", "Nog niets getekend.", "leeg")); }
    layers.forEach(function (layer) {
      var p = layer.feature.properties;
      var what = isPoint(layer) ? "punt, " + (p.categorie || "") : (p.functie || "wonen");
      var li = el("li", p.naam + " (" + what + (p.woningen ? ", " + num(p.woningen) + " woningen" : "") + ")");
      if (layer === state.selected) { li.className = "gekozen"; }
      li.addEventListener("click", function () { select(layer); });
      ul.appendChild(li);
    });
    var any = layers.length > 0;
    $("download-geojson").disabled = !any;
  }

  function select(layer) {
    state.selected = layer;
    renderObjects();
    var box = $("formulierblok");
    if (!layer) { box.hidden = true; return; }
    box.hidden = false;
    buildForm(layer);
  }

  function buildForm(layer) {
    var form = $("formulier");
    clear(form);
    var p = layer.feature.properties;
    var kind = isPoint(layer) ? "punt" : (p.functie || "wonen");
    $("formulier-naam").textContent = p.naam;
    state.format.eigenschappen.forEach(function (spec) {
      if (spec.geldt_voor.indexOf(kind) < 0) { return; }
      var id = "f-" + spec.naam;
      var label = el("label", spec.naam.replace(/_/g, " ") + " — " + spec.uitleg);
      label.htmlFor = id;
      var input;
      if (spec.soort === "choice") {
        input = el("select");
        var options = spec.naam === "functie" ? Object.keys(state.format.functies)
          : spec.naam === "verdeling" ? Object.keys(state.format.verdelingen)
          : state.format.categorieen.map(function (c) { return c.id; });
        if (spec.naam === "categorie" && kind !== "punt") { input.appendChild(el("option", "(geen)")).value = ""; }
        options.forEach(function (o) {
          var opt = el("option", spec.naam === "categorie" ? labelOf(o) : o);
          opt.value = o;
          input.appendChild(opt);
        });
        input.value = p[spec.naam] !== undefined ? p[spec.naam] : (spec.standaard || "");
      } else {
        input = el("input");
        input.type = spec.soort === "text" ? "text" : "number";
        if (spec.soort !== "text") { input.min = "0"; input.step = spec.soort === "count" ? "1" : "any"; }
        if (spec.soort === "pct") { input.max = "100"; }
        input.placeholder = "standaard: " + spec.standaard_tekst;
        input.value = p[spec.naam] !== undefined ? p[spec.naam] : "";
      }
      input.id = id;
      input.name = spec.naam;
      input.addEventListener("change", function () { setProp(layer, spec, input); });
      if (input.tagName === "INPUT") { input.addEventListener("input", function () { setProp(layer, spec, input); }); }
      form.appendChild(label);
      form.appendChild(input);
    });
  }

  function labelOf(categoryId) {
    var list = state.format.categorieen;
    for (var i = 0; i < list.length; i++) { if (list[i].id === categoryId) { return list[i].label; } }
    return categoryId;
  }

  function setProp(layer, spec, input) {
    var p = layer.feature.properties;
    var raw = input.value;
    if (raw === "") { delete p[spec.naam]; }
    else if (spec.soort === "text" || spec.soort === "choice") { p[spec.naam] = raw; }
    else { var x = Number(raw); p[spec.naam] = isNaN(x) ? raw : x; }
    if (spec.naam === "functie") { buildForm(layer); }
    if (spec.naam === "naam") { $("formulier-naam").textContent = raw; }
    renderObjects();
    changed();
  }

  // ------------------------------------------------------------------ the check
  function changed() {
    renderObjects();
    clearTimeout(state.timer);
    state.timer = setTimeout(check, DEBOUNCE_MS);
  }

  function check() {
    var plan = planGeoJSON();
    if (state.controller) { state.controller.abort(); }
    if (!plan.features.length) {
      showError(""); $("uitkomst").hidden = true; state.result = null; enableDownloads();
      markChanged({ barcode: {}, buurten_veranderd: [] }); return;
    }
    var seq = ++state.seq;
    var controller = new AbortController();
    state.controller = controller;
    $("bezig").hidden = false;
    var t0 = performance.now();
    postJSON("/api/plan-check?kort=true&naam=" + encodeURIComponent(plan.name), plan, controller.signal)
      .then(function (r) { return r.text().then(function (t) { return [r, t]; }); })
      .then(function (rt) {
        if (seq !== state.seq) { return; }
        $("bezig").hidden = true;
        var r = rt[0], body = JSON.parse(rt[1]);
        if (r.status !== 200) {
          showError(errorText(r, body)); $("uitkomst").hidden = true;
          state.result = null; enableDownloads(); return;
        }
        showError("");
        state.result = body; state.resultText = rt[1]; state.resultPlan = plan;
        showResult(body, performance.now() - t0, r.headers.get("X-Afweging-Meldingen"));
        enableDownloads();
      })
      .catch(function (e) {
        if (e.name === "AbortError" || seq !== state.seq) { return; }
        $("bezig").hidden = true;
        showError("De plantoets kon niet worden gemaakt (" + e.message + ").");
      });
  }

  function showResult(doc, ms, warningsHeader) {
    var v = doc.varianten[0];
    var nb = v.nieuwe_bewoners || {};
    var modes = nb.per_modus || {};
    $("r-woningen").textContent = num(v.programma.woningen_netto);
    $("r-bewoners").textContent = num(nb.inwoners);
    $("r-minuten").textContent = num(doc.minuten);
    $("r-binnen").textContent = modes.walk ? num(modes.walk.pct_alles_binnen, nf1) + " %" : "–";
    $("r-binnen-fiets").textContent = modes.bike ? num(modes.bike.pct_alles_binnen, nf1) + " %" : "–";
    var city = doc.vergelijking[v.naam] ? doc.vergelijking[v.naam].balansscore_stad : null;
    $("r-stad").textContent = city ? num(city.voor, nf3) + " → " + num(city.na, nf3) : "–";
    $("r-tijd").textContent = ms < 1000 ? num(ms) + " ms" : num(ms / 1000, nf1) + " s";
    $("r-aantal-tekorten").textContent = String(v.tekorten.length);
    var ul = $("r-tekorten");
    clear(ul);
    if (!v.tekorten.length) { ul.appendChild(el("li", "Geen tekorten: het plan voldoet aan de normen.", "leeg")); }
    v.tekorten.forEach(function (t) { ul.appendChild(el("li", t)); });
    showStripes(v);
    var body = $("r-barcode").tBodies[0];
    clear(body);
    var themes = {};
    (state.area.themas || []).forEach(function (t) { themes[t.id] = t.label; });
    Object.keys(v.barcode).forEach(function (code) {
      var u = v.barcode[code];
      addRow(body, u.naam + " (" + u.niveau + ")", "balansscore", u.balansscore.voor, u.balansscore.na, true);
      Object.keys(u.themas).forEach(function (t) {
        addRow(body, "", themes[t] || t, u.themas[t].voor, u.themas[t].na, false);
      });
    });
    var notes = $("r-meldingen");
    clear(notes);
    var list = [];
    try { list = warningsHeader ? JSON.parse(warningsHeader) : []; } catch (e) { list = []; }
    list = list.concat(v.toelichting || []);
    if (!list.length) { notes.appendChild(el("li", "Geen.", "leeg")); }
    list.forEach(function (t) { notes.appendChild(el("li", t)); });
    $("uitkomst").hidden = false;
    markChanged(v);
  }

  // the buurten whose numbers the plan changes: a dark outline, the score after in the popup
  function markChanged(v) {
    state.after = {};
    Object.keys(v.barcode).forEach(function (code) {
      if (v.barcode[code].niveau === "buurt") { state.after[code] = v.barcode[code].balansscore; }
    });
    var changed = {};
    (v.buurten_veranderd || []).forEach(function (code) { changed[code] = true; });
    state.buurten.eachLayer(function (layer) {
      var hit = changed[layer.feature.properties.buurtcode];
      layer.setStyle(hit ? { color: "#111", weight: 2.5 } : { color: "#555", weight: 0.7 });
    });
  }

  // the barcode of every unit the plan touches: one stripe per norm, before and after
  function statusClass(status) { return "s-" + String(status || "geen gegevens").replace(/ /g, "-"); }
  function stripeRow(label, norms, u, when, other) {
    var row = el("div", null, "streeprij");
    row.appendChild(el("span", label, "streeplabel"));
    norms.forEach(function (n) {
      var r = u.normen[n.id];
      if (!r) { return; }
      var s = el("span", null, "streep " + statusClass(r["status_" + when]));
      var value = r["waarde_" + when];
      s.title = n.label + ": " + r["status_" + when] + (value === null || value === undefined ? "" : " (" + num(value, nf1) + ")");
      s.setAttribute("data-norm", n.id);
      s.setAttribute("data-status", r["status_" + when]);
      if (other && r["status_" + other] !== r["status_" + when]) { s.className += " veranderd"; }
      row.appendChild(s);
    });
    return row;
  }

  function showStripes(v) {
    var box = $("r-streepjes");
    clear(box);
    var norms = state.area.normen || [];
    Object.keys(v.barcode).forEach(function (code) {
      var u = v.barcode[code];
      var unit = el("div", null, "eenheid");
      unit.setAttribute("data-code", code);
      unit.appendChild(el("div", u.naam + " (" + u.niveau + ")", "eenheidnaam"));
      unit.appendChild(stripeRow("voor", norms, u, "voor", null));
      unit.appendChild(stripeRow("na", norms, u, "na", "voor"));
      box.appendChild(unit);
    });
  }

  function addRow(body, unit, what, before, after, strong) {
    var tr = el("tr");
    var a = el("td", unit), b = el("td", what), c = el("td", num(before, nf3), "getal"), d = el("td", num(after, nf3), "getal");
    if (before !== null && after !== null && before !== undefined && after !== undefined) {
      if (after > before + 1e-9) { d.className += " beter"; } else if (after < before - 1e-9) { d.className += " slechter"; }
    }
    if (strong) { b.style.fontWeight = "bold"; }
    [a, b, c, d].forEach(function (x) { tr.appendChild(x); });
    body.appendChild(tr);
  }

  function enableDownloads() {
    var ok = !!state.result;
    $("download-json").disabled = !ok;
    $("download-html").disabled = !ok;
    $("download-geojson").disabled = planLayers().length === 0;
  }

  // ------------------------------------------------------------------ upload
  function upload(file) {
    if (!file) { return; }
    showError("");
    setStatus("Planbestand " + file.name + " lezen …");
    fetch("/api/planbestand?bestandsnaam=" + encodeURIComponent(file.name), { method: "POST", body: file })
      .then(function (r) { return r.json().then(function (b) { return [r, b]; }); })
      .then(function (rb) {
        var r = rb[0], doc = rb[1];
        if (r.status !== 200) { showError(errorText(r, doc)); setStatus("Het planbestand is niet geladen."); return; }
        loadPlan(doc);
        if (doc.name) { $("plannaam").value = doc.name; }
        setStatus("Planbestand " + file.name + " geladen (" + doc.features.length + " objecten).");
      })
      .catch(function (e) { showError("Het planbestand kon niet worden verstuurd (" + e.message + ")."); });
  }

  function loadPlan(doc) {
    state.plan.clearLayers();
    select(null);
    L.geoJSON(doc, {
      pointToLayer: function (f, latlng) { return L.marker(latlng, { icon: POINT_ICON }); },
      onEachFeature: function (f, layer) { adopt(layer, f.properties || {}); }
    });
    if (planLayers().length) { state.map.fitBounds(state.plan.getBounds(), { maxZoom: 16 }); }
    changed();
  }
  state.loadPlan = loadPlan;

  // ------------------------------------------------------------------ variants
  function saveVariant() {
    var plan = planGeoJSON();
    if (!plan.features.length) { showError("Teken eerst een plan om als variant te bewaren."); return; }
    var name = plan.name, n = 1;
    while (state.variants.some(function (v) { return v.naam === name; })) { n += 1; name = plan.name + " (" + n + ")"; }
    plan.name = name;
    state.variants.push({ naam: name, plan: plan, gekozen: true });
    renderVariants();
  }

  function renderVariants() {
    var ul = $("varianten");
    clear(ul);
    if (!state.variants.length) { ul.appendChild(el("li", "Nog geen varianten bewaard.", "leeg")); }
    state.variants.forEach(function (v, i) {
      var li = el("li");
      var box = el("input");
      box.type = "checkbox"; box.checked = v.gekozen; box.id = "variant-" + i;
      box.addEventListener("change", function () { v.gekozen = box.checked; renderVariants(); });
      var label = el("label", v.naam + " (" + v.plan.features.length + " objecten)");
      label.htmlFor = box.id; label.style.display = "inline";
      var open = el("button", "Openen"); open.type = "button";
      open.addEventListener("click", function () { $("plannaam").value = v.naam; loadPlan(v.plan); });
      var del = el("button", "Weg"); del.type = "button";
      del.addEventListener("click", function () { state.variants.splice(i, 1); renderVariants(); });
      [box, label, open, del].forEach(function (x) { li.appendChild(x); });
      ul.appendChild(li);
    });
    $("vergelijk").disabled = state.variants.filter(function (v) { return v.gekozen; }).length < 2;
  }

  function compare() {
    var chosen = state.variants.filter(function (v) { return v.gekozen; });
    $("vergelijk").disabled = true;
    postJSON("/api/plan-check/varianten?kort=true", { varianten: chosen.map(function (v) { return { naam: v.naam, plan: v.plan }; }) })
      .then(function (r) { return r.json().then(function (b) { return [r, b]; }); })
      .then(function (rb) {
        renderVariants();
        var r = rb[0], doc = rb[1];
        if (r.status !== 200) { showError(errorText(r, doc)); return; }
        showError("");
        showComparison(doc);
      })
      .catch(function (e) { renderVariants(); showError("De vergelijking mislukte (" + e.message + ")."); });
  }

  function showComparison(doc) {
    var names = doc.varianten.map(function (v) { return v.naam; });
    var table = $("vergelijking-tabel");
    clear(table.tHead); clear(table.tBodies[0]);
    var head = el("tr");
    head.appendChild(el("th", ""));
    names.forEach(function (n) { head.appendChild(el("th", n)); });
    table.tHead.appendChild(head);
    var rows = [
      ["Nieuwe woningen", function (c) { return num(c.woningen_nieuw); }],
      ["Nieuwe bewoners", function (c) { return num(c.inwoners_nieuw); }],
      ["Aantal tekorten", function (c) { return num(c.aantal_tekorten); }],
      ["Balansscore stad na", function (c) { return num(c.balansscore_stad.na, nf3); }]
    ];
    var norms = {};
    names.forEach(function (n) { Object.keys(doc.vergelijking[n].oordelen).forEach(function (k) { norms[k] = true; }); });
    Object.keys(norms).forEach(function (k) {
      rows.push([k, function (c) { var o = c.oordelen[k]; return o ? o.status + " (" + num(o.waarde, nf1) + ")" : "–"; }]);
    });
    rows.forEach(function (row) {
      var tr = el("tr");
      tr.appendChild(el("td", row[0]));
      names.forEach(function (n) { tr.appendChild(el("td", row[1](doc.vergelijking[n]))); });
      table.tBodies[0].appendChild(tr);
    });
    $("vergelijking").hidden = false;
    state.comparison = doc;
  }

  // ------------------------------------------------------------------ downloads
  // the live answers are compact JSON; a download asks for the file itself, byte for byte
  // what `afweging plan` writes
  function downloadCheck(formaat, name, type) {
    var plan = state.resultPlan;
    postJSON("/api/plan-check?formaat=" + formaat + "&naam=" + encodeURIComponent(plan.name), plan)
      .then(function (r) { return r.text().then(function (t) { return [r, t]; }); })
      .then(function (rt) {
        if (rt[0].status !== 200) { var b = {}; try { b = JSON.parse(rt[1]); } catch (e) { b = {}; } showError(errorText(rt[0], b)); return; }
        download(name, rt[1], type);
      });
  }

  // ------------------------------------------------------------------ wiring
  document.addEventListener("DOMContentLoaded", function () {
    $("upload").addEventListener("change", function (e) { upload(e.target.files[0]); e.target.value = ""; });
    $("plan-wissen").addEventListener("click", function () { state.plan.clearLayers(); select(null); changed(); });
    $("object-verwijderen").addEventListener("click", function () {
      if (state.selected) { state.plan.removeLayer(state.selected); select(null); changed(); }
    });
    $("plannaam").addEventListener("change", changed);
    $("variant-opslaan").addEventListener("click", saveVariant);
    $("vergelijk").addEventListener("click", compare);
    $("download-json").addEventListener("click", function () {
      downloadCheck("json", "plan_check.json", "application/json");
    });
    $("download-html").addEventListener("click", function () {
      downloadCheck("html", "plan_check.html", "text/html");
    });
    $("download-geojson").addEventListener("click", function () {
      var plan = planGeoJSON();
      download(fileName(plan.name, ".geojson"), JSON.stringify(plan, null, 1), "application/geo+json");
    });
    waitUntilReady();
  });
})();
