"""The small JavaScript and CSS library that kaart.html carries (no external resources).

``AFW_JS`` defines a global ``afw`` with:

* ``afw.init(map)``: panes for lines and points, the legend control;
* ``afw.choropleth(shared, colors, opts)``: an ``L.geoJSON`` of the shared buurt
  geometry coloured by a per-buurt colour array (the geometry is embedded once, every
  indicator only adds its colours);
* ``afw.outline(shared, flags, color)``: flagged buurten (priorities) with their reasons;
* ``afw.lines(geojson, style, tip)`` / ``afw.polygons(...)``: wijk boundaries, isochrones;
* ``afw.points(pts, color, label)``: facilities of one category with light-weight grid
  clustering below zoom 15 (a count bubble per cell; click to zoom in);
* ``afw.sites(rows, color)``: chosen sites of a location choice, numbered markers with a
  tooltip and a popup;
* ``afw.cells(rows, colors)`` and ``afw.dots(rows, colors)``: homes by travel time;
* ``afw.legend(layer, html)``: register the legend of a layer; the legend control shows
  the legends of the layers that are on the map;
* ``afw.tiles(map, layer, text)``: a tile layer that removes itself and shows ``text``
  when its tiles cannot be loaded (offline), so the map falls back to a plain background.
"""

from __future__ import annotations

AFW_CSS = """
.leaflet-container { background: #f2f1ec; font: 13px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
.afw-box { background: rgba(255,255,255,0.94); padding: 8px 10px; border-radius: 6px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 330px; }
.afw-title h1 { font-size: 16px; margin: 0 0 2px 0; }
.afw-title p { margin: 2px 0; color: #333; font-size: 12px; }
.afw-title .afw-note { color: #7a4b00; }
.afw-title .afw-source { color: #555; font-size: 10.5px; border-top: 1px solid #ddd; padding-top: 3px; margin-top: 5px; }
.afw-legend { max-height: 45vh; overflow-y: auto; }
.afw-legend h4 { font-size: 12.5px; margin: 0 0 4px 0; }
.afw-legend .afw-leg + .afw-leg { border-top: 1px solid #ddd; margin-top: 6px; padding-top: 6px; }
.afw-legend .afw-row { display: flex; align-items: center; gap: 6px; font-size: 12px; line-height: 17px; }
.afw-legend .afw-sw { width: 16px; height: 12px; border: 1px solid rgba(0,0,0,0.25); flex: none; }
.afw-legend .afw-sw.afw-dot { border-radius: 50%; width: 11px; height: 11px; }
.afw-legend .afw-sw.afw-line { height: 0; border: 0; border-top: 3px solid; }
.afw-legend .afw-meta { color: #555; font-size: 11px; margin-top: 3px; }
.afw-notice { background: #fff4d6; border: 1px solid #d9a400; padding: 5px 8px; border-radius: 5px; font-size: 12px; max-width: 300px; }
.afw-cluster span { display: block; width: 26px; height: 26px; line-height: 26px; border-radius: 50%;
  color: #fff; text-align: center; font-weight: 600; font-size: 11px; border: 2px solid #fff;
  box-shadow: 0 0 3px rgba(0,0,0,0.5); }
.afw-site span { display: block; width: 22px; height: 22px; line-height: 22px; border-radius: 50%;
  color: #fff; text-align: center; font-weight: 700; font-size: 11px; border: 2px solid #fff;
  box-shadow: 0 0 4px rgba(0,0,0,0.6); }
.afw-popup h3 { font-size: 14px; margin: 0 0 2px 0; }
.afw-popup .afw-sub { color: #555; font-size: 11.5px; margin-bottom: 4px; }
.afw-popup table { border-collapse: collapse; font-size: 12px; margin: 4px 0; width: 100%; }
.afw-popup td { padding: 1px 6px 1px 0; vertical-align: top; }
.afw-popup td.afw-num { text-align: right; white-space: nowrap; }
.afw-popup svg { width: 100%; height: auto; display: block; margin: 4px 0; }
.afw-popup .afw-prio { background: #fdecea; border-left: 3px solid #c62828; padding: 3px 6px; margin: 4px 0; font-size: 12px; }
.afw-popup .afw-small { color: #555; font-size: 11px; }
.leaflet-control-layers-list { max-height: 60vh; overflow-y: auto; }
.leaflet-control-layers label { font-size: 12px; }
"""

AFW_JS = r"""
var afw = (function () {
  "use strict";
  var api = {};
  var legends = [];
  var legendBox = null;
  var theMap = null;
  var scheduled = false;

  api.init = function (map) {
    theMap = map;
    map.createPane("afwLines").style.zIndex = 450;
    map.createPane("afwPoints").style.zIndex = 460;
    api.pointRenderer = L.canvas({ pane: "afwPoints", padding: 0.3 });
    api.cellRenderer = L.canvas({ padding: 0.3 });
  };

  api.control = function (map, position, html, cls) {
    var ctl = L.control({ position: position });
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", cls || "afw-box");
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    ctl.addTo(map);
    return ctl;
  };

  function updateLegend() {
    scheduled = false;
    if (!legendBox || !theMap) { return; }
    var html = legends.filter(function (x) { return theMap.hasLayer(x.layer); })
                      .map(function (x) { return '<div class="afw-leg">' + x.html + "</div>"; })
                      .join("");
    var box = legendBox.getContainer();
    box.innerHTML = html;
    box.style.display = html ? "" : "none";
  }
  function scheduleLegend() {
    if (!scheduled) { scheduled = true; setTimeout(updateLegend, 0); }
  }

  api.legend = function (layer, html) { legends.push({ layer: layer, html: html }); };

  api.legendControl = function (map) {
    legendBox = api.control(map, "bottomright", "", "afw-box afw-legend");
    legendBox.getContainer().id = "afw-legend";
    map.on("layeradd layerremove", scheduleLegend);
    updateLegend();
  };

  function highlight(e) { e.layer.setStyle({ weight: 2.5, color: "#111" }); e.layer.bringToFront(); }

  api.choropleth = function (shared, colors, opts) {
    opts = opts || {};
    var base = { color: "#5a5a5a", weight: 0.6, fillOpacity: opts.fillOpacity || 0.75 };
    var layer = L.geoJSON(shared, {
      style: function (f) {
        var c = colors ? colors[f.properties.i] : null;
        return { color: base.color, weight: base.weight, fillColor: c || "#ffffff",
                 fillOpacity: c ? base.fillOpacity : 0.0 };
      },
      onEachFeature: function (f, l) {
        l.bindTooltip(f.properties.tip, { sticky: true, direction: "top" });
        l.bindPopup(function () { return f.properties.popup; }, { maxWidth: 380, minWidth: 300 });
      }
    });
    layer.on("mouseover", highlight);
    layer.on("mouseout", function (e) { layer.resetStyle(e.layer); });
    return layer;
  };

  api.outline = function (shared, flags, color) {
    return L.geoJSON(shared, {
      pane: "afwLines",
      filter: function (f) { return Object.prototype.hasOwnProperty.call(flags, String(f.properties.i)); },
      style: function () { return { color: color, weight: 3.5, fillColor: color, fillOpacity: 0.12 }; },
      onEachFeature: function (f, l) {
        l.bindTooltip(f.properties.tip, { sticky: true });
        l.bindPopup(function () { return flags[String(f.properties.i)]; }, { maxWidth: 380 });
      }
    });
  };

  api.polygons = function (geojson, style) {
    return L.geoJSON(geojson, {
      pane: "afwLines",
      style: function () { return style; },
      onEachFeature: function (f, l) {
        if (f.properties && f.properties.tip) { l.bindTooltip(f.properties.tip, { sticky: true }); }
        if (f.properties && f.properties.popup) { l.bindPopup(f.properties.popup); }
      }
    });
  };

  function dot(p, color, label) {
    var m = L.circleMarker([p[0], p[1]], { renderer: api.pointRenderer, radius: 4.5,
      color: "#ffffff", weight: 1, fillColor: color, fillOpacity: 0.95 });
    m.bindPopup(function () { return "<b>" + label + "</b>" + (p[2] ? "<br>" + p[2] : ""); });
    return m;
  }

  api.points = function (map, pts, color, label) {
    var group = L.layerGroup();
    var cellPx = 46;
    function draw() {
      group.clearLayers();
      var z = map.getZoom();
      if (z >= 15 || pts.length <= 30) {
        pts.forEach(function (p) { group.addLayer(dot(p, color, label)); });
        return;
      }
      var cells = {};
      pts.forEach(function (p) {
        var q = map.project([p[0], p[1]], z);
        var key = Math.floor(q.x / cellPx) + ":" + Math.floor(q.y / cellPx);
        (cells[key] = cells[key] || []).push(p);
      });
      Object.keys(cells).forEach(function (key) {
        var c = cells[key];
        if (c.length === 1) { group.addLayer(dot(c[0], color, label)); return; }
        var lat = 0, lon = 0;
        c.forEach(function (p) { lat += p[0]; lon += p[1]; });
        lat /= c.length; lon /= c.length;
        var m = L.marker([lat, lon], { pane: "afwPoints", icon: L.divIcon({ className: "afw-cluster",
          html: '<span style="background:' + color + '">' + c.length + "</span>", iconSize: [30, 30] }) });
        m.bindTooltip(c.length + " × " + label + " (klik om in te zoomen)");
        m.on("click", function () { map.setView([lat, lon], Math.min(z + 2, 18)); });
        group.addLayer(m);
      });
    }
    group.on("add", function () { draw(); map.on("zoomend", draw); });
    group.on("remove", function () { map.off("zoomend", draw); });
    return group;
  };

  api.sites = function (rows, color) {
    var group = L.layerGroup();
    rows.forEach(function (r) {
      var m = L.marker([r[0], r[1]], { pane: "afwPoints", icon: L.divIcon({ className: "afw-site",
        html: '<span style="background:' + color + '">' + r[2] + "</span>", iconSize: [26, 26] }) });
      m.bindTooltip(r[3]);
      m.bindPopup(r[4], { maxWidth: 380 });
      group.addLayer(m);
    });
    return group;
  };

  api.cells = function (rows, colors) {
    var group = L.layerGroup();
    rows.forEach(function (r) {
      var rect = L.rectangle([[r[0], r[1]], [r[2], r[3]]], { renderer: api.cellRenderer,
        stroke: false, fillColor: colors[r[4]], fillOpacity: 0.8 });
      rect.bindPopup(r[5]);
      group.addLayer(rect);
    });
    return group;
  };

  api.dots = function (rows, colors) {
    var group = L.layerGroup();
    rows.forEach(function (r) {
      var m = L.circleMarker([r[0], r[1]], { renderer: api.cellRenderer, radius: 2.5,
        stroke: false, fillColor: colors[r[2]], fillOpacity: 0.85 });
      m.bindPopup(r[3]);
      group.addLayer(m);
    });
    return group;
  };

  api.tiles = function (map, layer, text) {
    var loaded = 0, failed = 0, gaveUp = false;
    layer.on("tileload", function () { loaded += 1; });
    layer.on("tileerror", function () {
      failed += 1;
      if (!gaveUp && loaded === 0 && failed >= 2) {
        gaveUp = true;
        map.removeLayer(layer);
        var note = api.control(map, "bottomleft", text, "afw-notice");
        note.getContainer().id = "afw-offline";
      }
    });
    return layer;
  };

  return api;
})();
"""
