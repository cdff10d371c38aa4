/**
 * The site overview page's script (plain browser JavaScript, served as /site.js): the state from
 * `GET /api/site/events` (Server-Sent Events: the whole state on each change), drawn as one tile per line.
 * Every text from the broker goes in with textContent, never as HTML (an edge node id is anybody's input).
 */
export const SITE_SCRIPT = String.raw`"use strict";
(function () {
  var linesEl = document.getElementById("lines");
  var brokerEl = document.getElementById("broker");
  var feedEl = document.getElementById("feed");
  var clockEl = document.getElementById("clock");
  var countersEl = document.getElementById("counters");
  var last = null;

  function time(ms) {
    if (ms === null || ms === undefined) return "—";
    return new Date(ms).toLocaleTimeString([], { hour12: false });
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function row(dl, name, value, field, cls) {
    dl.appendChild(el("dt", name));
    var dd = el("dd", value, cls);
    dd.setAttribute("data-field", field);
    dl.appendChild(dd);
  }
  function statusText(l) {
    if (l.status === "online") return "online since " + time(l.bornAt);
    if (l.status === "offline") return "OFFLINE since " + time(l.diedAt);
    if (l.status === "unknown") return "NO DATA (waiting for its birth)";
    return "NOT SEEN";
  }
  function alarmsText(a) {
    if (a.inList === null) return "—";
    var parts = [];
    for (var p in a.byPriority) if (a.byPriority[p] > 0) parts.push(p + " " + a.byPriority[p]);
    return a.inList + " in list, " + (a.unacknowledged === null ? "?" : a.unacknowledged) + " unack" + (parts.length ? " (" + parts.join(", ") + ")" : "");
  }
  function speedText(s) {
    if (s.value === null) return "—";
    return s.value.toFixed(2) + " m/min" + (s.quality && s.quality !== "Good" ? " (" + s.quality + ")" : "");
  }
  function tile(l) {
    var t = el("section", null, "tile");
    t.setAttribute("data-line", l.id);
    t.setAttribute("data-status", l.status);
    t.setAttribute("data-tripped", l.tripped.length > 0 ? "true" : "false");
    var h = el("h2");
    if (l.hmiUrl) {
      var a = el("a", l.name);
      a.href = l.hmiUrl;
      a.setAttribute("data-field", "hmi");
      h.appendChild(a);
    } else h.appendChild(el("span", l.name + " (not in the site file)"));
    var st = el("span", statusText(l), "status");
    st.setAttribute("data-field", "status");
    h.appendChild(st);
    t.appendChild(h);
    var dl = el("dl");
    row(dl, "State", l.state === null ? "—" : l.state + (l.mode ? " (" + l.mode + ")" : ""), "state");
    row(dl, "First out", l.firstOut || "none", "firstOut");
    row(dl, "Tripped", l.tripped.length ? l.tripped.join(", ") : "none", "tripped", l.tripped.length ? "trip" : "");
    row(dl, "Alarms", alarmsText(l.alarms), "alarms");
    row(dl, "Roll", l.roll.id ? l.roll.id + (l.roll.lengthM === null ? "" : ", " + l.roll.lengthM.toFixed(1) + " m") : "none", "roll");
    row(dl, "Speed", speedText(l.speed), "speed");
    t.appendChild(dl);
    return t;
  }
  function render(s) {
    last = s;
    document.getElementById("site-name").textContent = s.site.name + " (" + s.site.groupId + ")";
    brokerEl.setAttribute("data-connected", s.broker.connected ? "true" : "false");
    brokerEl.textContent = s.broker.connected ? "broker: connected" : "BROKER NOT CONNECTED" + (s.broker.since ? " since " + time(s.broker.since) : "");
    var frag = document.createDocumentFragment();
    for (var i = 0; i < s.lines.length; i++) frag.appendChild(tile(s.lines[i]));
    linesEl.replaceChildren(frag);
    var c = s.counters;
    countersEl.textContent = "messages " + c.messages + " · malformed " + c.malformed + " · ignored " + c.ignored + " · stale deaths " + c.staleDeaths + " · rebirth requests " + c.rebirthRequests;
  }
  setInterval(function () { clockEl.textContent = time(Date.now()); }, 1000);
  var source = new EventSource("/api/site/events");
  source.onopen = function () { feedEl.setAttribute("data-live", "true"); feedEl.textContent = "overview: live"; };
  source.onerror = function () { feedEl.setAttribute("data-live", "false"); feedEl.textContent = "OVERVIEW CONNECTION LOST — retrying"; };
  source.onmessage = function (ev) {
    try { render(JSON.parse(ev.data)); } catch (e) { console.error("site overview: bad state", e); }
  };
  window.siteOverviewState = function () { return last; };
})();
`;
