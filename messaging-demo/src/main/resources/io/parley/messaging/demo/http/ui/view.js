// Parley's web view: the nodes as vertical time lines, each message an arrow from its send (on the sender's clock) to
// its storing (on the receiver's clock), its acknowledgement an arrow back. Plain JavaScript and SVG, no library, no
// network but this node's own API: GET /nodes, /nodes/{id}/peers and /nodes/{id}/messages on open, then /events live.
'use strict';
(() => {
  const HISTORY_ROWS = 2000;  // rows each node's history gives on open
  const MAX_DRAWN = 3000;     // arrows drawn at most: the newest
  const GUTTER = 112;         // left margin, for the time labels
  const TOP = 14;             // space above the first event
  const GAP_PX = 48;          // a pause longer than this at the current scale is drawn this high, with its length
  const STATE_RANK = { UP: 0, LEFT: 1, FORGOTTEN: 1, SUSPECT: 2, DOWN: 3 };
  const $ = (id) => document.getElementById(id);

  let token = null;
  let pxPerMs = 2;
  let seq = 0;
  let renderTimer = null;
  let lastEventId = null;
  let chosen = null;
  const localNodes = [];                  // the nodes of this process, in their order
  const nodes = [];                       // every line: this process's nodes, then the peers they know
  const messages = new Map();             // sender>recipient>id -> message
  const views = new Map();                // node -> Map(observer -> its latest peer row about node)
  const marks = [];                       // peer state changes: {node, observer, state, micros}
  let drawn = [];                         // the messages of the last render, by data-k

  // ---- the token: from the URL's fragment (never sent to the server), kept for this tab only --------------------
  function takeToken() {
    const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem('parley-token', decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname + location.search); // out of the address bar and history
    }
    return sessionStorage.getItem('parley-token');
  }

  class Unauthorized extends Error {}

  async function api(path, options = {}) {
    const headers = Object.assign({ Authorization: 'Bearer ' + token }, options.headers || {});
    const res = await fetch(path, Object.assign({}, options, { headers, cache: 'no-store' }));
    if (res.status === 401) {
      throw new Unauthorized((await res.json().catch(() => ({}))).error || 'the token is wrong');
    }
    return res;
  }

  async function json(path, options) {
    const res = await api(path, options);
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      throw new Error((body && body.error) || ('HTTP ' + res.status));
    }
    return body;
  }

  function askToken(reason) {
    sessionStorage.removeItem('parley-token');
    $('login').hidden = false;
    $('login-error').textContent = reason || '';
    $('token').focus();
  }

  // ---- time: epoch microseconds from the rows' ISO-8601 strings (Date keeps only milliseconds) ------------------
  function micros(iso) {
    if (!iso) return null;
    const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
    if (!m) return Date.parse(iso) * 1000;
    const frac = ((m[2] || '') + '000000').slice(0, 6);
    return Date.parse(m[1] + 'Z') * 1000 + Number(frac);
  }

  function clock(us, withMicros) {
    if (us == null) return '–';
    const d = new Date(Math.floor(us / 1000));
    const p = (n, w) => String(n).padStart(w, '0');
    const s = p(d.getHours(), 2) + ':' + p(d.getMinutes(), 2) + ':' + p(d.getSeconds(), 2) + '.' + p(d.getMilliseconds(), 3);
    return withMicros ? s + p(((us % 1000) + 1000) % 1000, 3) : s;
  }

  function span(us) {
    const a = Math.abs(us);
    const sign = us < 0 ? '−' : '';
    if (a >= 1e6) return sign + (a / 1e6).toFixed(3) + ' s';
    return sign + (a / 1e3).toFixed(a >= 1e4 ? 1 : 2) + ' ms';
  }

  function esc(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }

  // ---- the model ------------------------------------------------------------------------------------------------
  function addNode(id) {
    if (!nodes.includes(id)) {
      nodes.push(id);
      fillSelects();
    }
  }

  /** A history row or message event as {@code observer} holds it: both ends of its arrow, as far as known. */
  function ingest(observer, r) {
    const sent = r.direction === 'sent';
    const sender = sent ? observer : r.peer;
    const recipient = sent ? r.peer : observer;
    addNode(sender);
    addNode(recipient);
    const key = r.id ? sender + '>' + recipient + '>' + r.id : 'unsent-' + seq;
    let m = messages.get(key);
    if (!m) {
      m = { key, id: r.id, sender, recipient, order: seq++, status: null, received: false };
      messages.set(key, m);
    }
    if (r.sender_time) m.sent = micros(r.sender_time);
    if (r.receiver_time) m.stored = micros(r.receiver_time);
    if (r.hlc) m.hlc = r.hlc;
    if (r.text != null) m.text = r.text;
    if (sent) {
      // the sender's word: PENDING until settled; a settled status is never undone by an older row
      if (r.status && (m.status == null || m.status === 'PENDING')) m.status = r.status;
    } else {
      m.received = true;
    }
    return m;
  }

  function status(m) {
    if (m.status === 'DELIVERED' || m.status === 'EXPIRED') return m.status;
    if (m.status === 'REJECTED' || m.status === 'FAILED') return 'FAILED';
    if (m.status === 'PENDING') return 'PENDING';
    return m.received ? 'RECEIVED' : 'PENDING';
  }

  function peerRow(observer, row, live) {
    addNode(row.id);
    let seen = views.get(row.id);
    if (!seen) views.set(row.id, (seen = new Map()));
    const before = seen.get(observer);
    if (row.state === 'FORGOTTEN') seen.delete(observer); else seen.set(observer, row);
    if (live && (!before || before.state !== row.state)) {
      // the page puts a change where it heard of it, on its own (the browser's) clock
      marks.push({ node: row.id, observer, state: row.state, micros: Date.now() * 1000 });
    }
  }

  function onEvent(type, data) {
    const e = JSON.parse(data);
    if (type === 'peer') {
      peerRow(e.node, e, true);
    } else if (type === 'received' || type === 'delivered' || type === 'failed') {
      const m = ingest(e.node, e);
      if (type === 'delivered' && e.rtt_micros != null && m.sent != null) {
        m.rtt = e.rtt_micros;
        m.acked = m.sent + e.rtt_micros;
      }
      if (type === 'failed') {
        m.error = e.error;
        if (!e.status) m.status = 'FAILED';
      }
    }
    scheduleRender();
  }

  // ---- the live stream: Server-Sent Events read through fetch, which can send the token in a header -------------
  async function stream() {
    for (;;) {
      try {
        const headers = { Accept: 'text/event-stream' };
        if (lastEventId) headers['Last-Event-ID'] = lastEventId;
        const res = await api('/events', { headers });
        if (!res.ok) {
          throw new Error((await res.json().catch(() => ({}))).error || 'HTTP ' + res.status);
        }
        connection('live', 'live');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        let type = 'message';
        let data = [];
        let id = null;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let nl;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            let line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (line.endsWith('\r')) line = line.slice(0, -1);
            if (line === '') {
              if (id != null) lastEventId = id;
              if (data.length) onEvent(type, data.join('\n'));
              type = 'message';
              data = [];
              id = null;
            } else if (line[0] !== ':') {
              const c = line.indexOf(':');
              const field = c < 0 ? line : line.slice(0, c);
              let val = c < 0 ? '' : line.slice(c + 1);
              if (val[0] === ' ') val = val.slice(1);
              if (field === 'event') type = val;
              else if (field === 'data') data.push(val);
              else if (field === 'id') id = val;
            }
          }
        }
        connection('reconnecting: the stream ended', 'broken');
      } catch (e) {
        if (e instanceof Unauthorized) {
          connection('no token', 'broken');
          askToken(e.message);
          return;
        }
        connection('reconnecting: ' + e.message, 'broken');
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  function connection(text, cls) {
    const c = $('conn');
    c.textContent = text;
    c.className = 'conn ' + cls;
  }

  // ---- the send form ----------------------------------------------------------------------------------------------
  function fillSelects() {
    const from = $('from');
    const to = $('to');
    const f = from.value;
    const t = to.value;
    from.innerHTML = localNodes.map((n) => '<option>' + esc(n) + '</option>').join('');
    if (localNodes.includes(f)) from.value = f;
    const others = nodes.filter((n) => n !== from.value);
    to.innerHTML = '<option value="*">all</option>' + others.map((n) => '<option>' + esc(n) + '</option>').join('');
    if (t && (t === '*' || others.includes(t))) to.value = t; else if (others.length) to.value = others[0];
  }

  async function send(ev) {
    ev.preventDefault();
    const from = $('from').value;
    const to = $('to').value;
    const text = $('text').value;
    const out = $('sent');
    out.className = '';
    try {
      const all = to === '*';
      const path = '/nodes/' + encodeURIComponent(from) + (all ? '/broadcast' : '/messages');
      const body = await json(path, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(all ? { text } : { to, text }) });
      out.textContent = 'sent ' + body.id + (all ? ' to ' + Object.keys(body.ids).join(', ') : '');
      $('text').value = '';
      const peers = all ? Object.keys(body.ids) : [to];
      for (const p of peers) {
        // its row now: PENDING, with the sender's clock, until the receipt comes
        json('/nodes/' + encodeURIComponent(from) + '/messages/' + body.id + '?peer=' + encodeURIComponent(p))
          .then((row) => { ingest(from, row); scheduleRender(); }).catch(() => {});
      }
    } catch (e) {
      out.className = 'error';
      out.textContent = e.message;
    }
  }

  // ---- drawing ------------------------------------------------------------------------------------------------------
  function scheduleRender() {
    if (renderTimer == null) renderTimer = setTimeout(() => { renderTimer = null; render(); }, 80);
  }

  /** Each node's column: centre x. */
  function columns() {
    const width = Math.max(document.documentElement.clientWidth - GUTTER - 20, 300);
    const w = Math.max(64, Math.min(180, Math.floor(width / Math.max(nodes.length, 1))));
    const x = new Map();
    nodes.forEach((n, i) => x.set(n, GUTTER + w * i + w / 2));
    return { x, w, width: GUTTER + w * nodes.length + 10 };
  }

  /**
   * The time scale: one y for every moment drawn, in order, each step as long as its time at {@code pxPerMs} but a
   * pause no higher than GAP_PX (marked, with its length). Every line reads its own node's clock on the same scale,
   * so a node whose clock is ahead draws its events lower, "in the future".
   */
  function scale(times) {
    times.sort((a, b) => a - b);
    const t = [];
    const y = [];
    const gaps = [];
    let at = TOP;
    for (const v of times) {
      if (t.length && v === t[t.length - 1]) continue;
      if (t.length) {
        const dt = v - t[t.length - 1];
        const h = (dt / 1000) * pxPerMs;
        if (h > GAP_PX) {
          gaps.push({ y: at + GAP_PX / 2, dt });
          at += GAP_PX;
        } else {
          at += h;
        }
      }
      t.push(v);
      y.push(at);
    }
    const of = (v) => {
      let lo = 0;
      let hi = t.length - 1;
      if (hi < 0) return TOP;
      if (v <= t[0]) return y[0];
      if (v >= t[hi]) return y[hi];
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (t[mid] <= v) lo = mid; else hi = mid;
      }
      return y[lo] + ((y[hi] - y[lo]) * (v - t[lo])) / (t[hi] - t[lo]);
    };
    return { of, t, y, gaps, height: at + 40 };
  }

  function render() {
    const all = [...messages.values()].filter((m) => m.sent != null || m.stored != null);
    all.sort((a, b) => (a.sent ?? a.stored) - (b.sent ?? b.stored) || a.order - b.order);
    const shown = all.slice(Math.max(0, all.length - MAX_DRAWN));
    const times = [];
    for (const m of shown) {
      if (m.sent != null) times.push(m.sent);
      if (m.stored != null) times.push(m.stored);
      if (m.acked != null) times.push(m.acked);
    }
    const since = times.length ? Math.min(...times) : 0;
    for (const k of marks) if (k.micros >= since || !times.length) times.push(k.micros);
    const { x, w, width } = columns();
    const s = scale(times);
    const height = Math.max(s.height, 200);
    const parts = [];
    parts.push('<defs>' + ['PENDING', 'DELIVERED', 'RECEIVED', 'FAILED', 'EXPIRED', 'ack'].map((k) =>
      '<marker id="head-' + k + '" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
      + '<path d="M0,0 L10,5 L0,10 z" fill="var(--' + (k === 'ack' ? 'ack' : k.toLowerCase()) + ')"/></marker>').join('') + '</defs>');
    // time labels at the left, and the pauses
    let lastLabel = -1e9;
    for (let i = 0; i < s.t.length; i++) {
      if (s.y[i] - lastLabel >= 48) {
        parts.push('<line class="tickline" x1="' + (GUTTER - 6) + '" x2="' + width + '" y1="' + s.y[i] + '" y2="' + s.y[i] + '"/>'
          + '<text class="tick" x="4" y="' + (s.y[i] + 3) + '">' + clock(s.t[i]) + '</text>');
        lastLabel = s.y[i];
      }
    }
    for (const g of s.gaps) {
      parts.push('<line class="gap" x1="' + GUTTER + '" x2="' + width + '" y1="' + g.y + '" y2="' + g.y + '"/>'
        + '<text class="gaplabel" x="' + (GUTTER - 4) + '" y="' + (g.y + 3) + '" text-anchor="end">⋯ ' + span(g.dt) + '</text>');
    }
    // the time lines, dashed in the colour of the worst state a peer saw them in, from the change on
    for (const n of nodes) {
      const cx = x.get(n);
      parts.push('<line class="axis' + (localNodes.includes(n) ? ' axis-local' : '') + '" data-node="' + esc(n) + '" x1="' + cx
        + '" x2="' + cx + '" y1="0" y2="' + height + '"/>');
      const changes = marks.filter((k) => k.node === n);
      const worst = new Map();
      let labelY = -1e9; // changes heard at once, from several observers, are labelled one under the other
      changes.forEach((k, i) => {
        worst.set(k.observer, k.state);
        const state = summary([...worst.values()]);
        const y0 = s.of(k.micros);
        const next = changes[i + 1];
        const y1 = next ? s.of(next.micros) : height;
        if (state !== 'UP' && y1 > y0) {
          parts.push('<line class="bad st-' + state + '" x1="' + cx + '" x2="' + cx + '" y1="' + y0 + '" y2="' + y1 + '"/>');
        }
        labelY = Math.max(y0 - 2, labelY + 11);
        parts.push('<text class="mark st-' + k.state + '" data-node="' + esc(n) + '" data-state="' + k.state + '" x="' + (cx + 5)
          + '" y="' + labelY + '">' + k.state + ' (' + esc(k.observer) + ')</text>');
      });
    }
    // the messages
    drawn = shown;
    shown.forEach((m, i) => parts.push(arrow(m, i, x, s)));
    const svg = $('chart');
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    svg.innerHTML = parts.join('');
    heads(x, w, width);
    $('note').textContent = messages.size + ' messages' + (all.length > shown.length ? ', the newest ' + shown.length + ' drawn' : '')
      + ' · each line reads its own node\'s clock (time of day in this browser\'s zone); a pause longer than '
      + span((GAP_PX / pxPerMs) * 1000) + ' is shortened (⋯) · peer states are placed where this page heard of them, on the browser\'s clock';
    document.body.dataset.drawn = String(shown.length);
    if ($('follow').checked) {
      const sc = $('scroll');
      sc.scrollTop = sc.scrollHeight;
    }
    if (chosen && messages.has(chosen)) detail(messages.get(chosen));
  }

  function arrow(m, i, x, s) {
    const st = status(m);
    const x1 = x.get(m.sender);
    const x2 = x.get(m.recipient);
    const y1 = m.sent != null ? s.of(m.sent) : null;
    const y2 = m.stored != null ? s.of(m.stored) : null;
    let g = '<g class="msg s-' + st + (chosen === m.key ? ' chosen' : '') + '" data-k="' + i + '" data-id="' + esc(m.id || '')
      + '" data-from="' + esc(m.sender) + '" data-to="' + esc(m.recipient) + '" data-status="' + st + '">';
    if (y1 != null && y2 != null) {
      const line = 'x1="' + x1 + '" y1="' + y1 + '" x2="' + x2 + '" y2="' + y2 + '"';
      g += '<line class="hit" ' + line + '/><line class="arrow" ' + line + ' marker-end="url(#head-' + st + ')"/>';
      g += '<circle class="dot" cx="' + x1 + '" cy="' + y1 + '" r="2"/>';
      if (m.acked != null) {
        const y3 = s.of(m.acked);
        g += '<line class="ackline" x1="' + x2 + '" y1="' + y2 + '" x2="' + x1 + '" y2="' + y3 + '" marker-end="url(#head-ack)"/>'
          + '<text class="tickmark" x="' + (x1 + (x2 > x1 ? -12 : 4)) + '" y="' + (y3 + 4) + '">✓</text>';
      } else if (st === 'DELIVERED') {
        g += '<text class="tickmark" x="' + (x2 + (x2 > x1 ? 4 : -12)) + '" y="' + (y2 + 4) + '">✓</text>';
      }
    } else {
      // not stored by the receiver (yet): a stub from the send towards it
      const ys = y1 != null ? y1 : y2;
      const xm = x1 + (x2 - x1) * 0.4;
      const line = 'x1="' + x1 + '" y1="' + ys + '" x2="' + xm + '" y2="' + (ys + 8) + '"';
      g += '<line class="hit" ' + line + '/><line class="arrow" ' + line + '/>';
      g += '<text class="cross" x="' + (xm + 2) + '" y="' + (ys + 12) + '">' + (st === 'PENDING' ? '…' : '✗') + '</text>';
    }
    return g + '<title>' + esc(m.sender + ' → ' + m.recipient + ' ' + st + ': ' + (m.text || '')) + '</title></g>';
  }

  function summary(states) {
    return states.reduce((a, b) => ((STATE_RANK[b] ?? 0) > (STATE_RANK[a] ?? 0) ? b : a), 'UP');
  }

  /** The heading of each line: its id, how the others see it, and its clock against theirs. */
  function heads(x, w, width) {
    const h = $('heads');
    h.style.width = width + 'px';
    const html = ['<div class="gutter">time: each line\'s own clock</div>'];
    for (const n of nodes) {
      const seen = views.get(n) || new Map();
      const states = [...seen.values()].map((r) => r.state);
      const state = states.length ? summary(states) : (localNodes.includes(n) ? 'this process' : '?');
      const who = [...seen.entries()].map(([o, r]) => o + ': ' + r.state + ', clock ' + signed(r.clock_offset_micros)
        + ', rtt ' + span(r.rtt_micros || 0) + (r.last_error ? ', ' + r.last_error : '')).join('\n');
      const ref = [...seen.entries()].find(([o]) => localNodes.includes(o));
      const offset = ref ? 'clock ' + signed(ref[1].clock_offset_micros) + ' vs ' + ref[0] : '';
      html.push('<div class="head" data-node="' + esc(n) + '" title="'
        + esc(n + ' as its peers see it\n' + (who || 'no peer reports it')) + '">'
        + '<span class="id">' + esc(n) + '</span>' + (localNodes.includes(n) ? '' : ' <span class="local">(elsewhere)</span>')
        + '<span class="state st-' + esc(state) + '" data-state="' + esc(state) + '">' + esc(state)
        + (states.length > 1 && states.some((s) => s !== state) ? ' (' + states.filter((s) => s === state).length + '/' + states.length + ')' : '')
        + '</span><span class="offset">' + esc(offset) + '</span><span class="clockname">' + esc(n) + '\'s clock</span></div>');
    }
    h.innerHTML = html.join('');
    // positions through the CSSOM: the page's Content-Security-Policy allows no inline style attribute
    h.querySelectorAll('.head').forEach((e) => {
      e.style.left = (x.get(e.dataset.node) - w / 2) + 'px';
      e.style.width = w + 'px';
    });
  }

  function signed(us) {
    if (us == null) return '?';
    return (us >= 0 ? '+' : '') + span(us).replace('−', '-');
  }

  // ---- details of one message ---------------------------------------------------------------------------------------
  function detail(m) {
    const d = $('detail');
    const st = status(m);
    const rows = [
      ['id', m.id || '(never stored)'],
      ['from → to', m.sender + ' → ' + m.recipient],
      ['status', (m.status || (m.received ? 'RECEIVED (as ' + m.recipient + ' holds it)' : '?')) + (st === 'DELIVERED' ? ' ✓' : '')],
      ['sent, ' + m.sender + '\'s clock', clock(m.sent, true)],
      ['stored, ' + m.recipient + '\'s clock', clock(m.stored, true)],
      ['stored − sent', m.sent != null && m.stored != null ? span(m.stored - m.sent) + ' (the two clocks\' skew included)' : '–'],
      ['hybrid clock at send', m.hlc ? clock(micros(m.hlc.wall_time), true) + ' + ' + m.hlc.logical : '–'],
      ['delivery time', m.rtt != null ? span(m.rtt) + ' (last transmission to acknowledgement, ' + m.sender + '\'s monotonic clock)' : '–'],
      ['ack ✓ at, ' + m.sender + '\'s clock', m.acked != null ? clock(m.acked, true) : '–'],
      ['text', m.text == null ? '–' : m.text],
    ];
    if (m.error) rows.push(['error', m.error]);
    d.innerHTML = '<button class="close" type="button" title="close">×</button><h3>message</h3><dl>'
      + rows.map(([k, v]) => '<dt>' + esc(k) + '</dt><dd data-field="' + esc(k.split(',')[0]) + '">' + esc(v) + '</dd>').join('') + '</dl>';
    d.hidden = false;
    if (!m.hlc && m.id && !m.asked) {
      // a receipt does not carry the hybrid clock: the stored row does
      m.asked = true;
      const holder = localNodes.includes(m.sender) ? m.sender : m.recipient;
      const peer = holder === m.sender ? m.recipient : m.sender;
      json('/nodes/' + encodeURIComponent(holder) + '/messages/' + m.id + '?peer=' + encodeURIComponent(peer))
        .then((row) => { ingest(holder, row); if (chosen === m.key) detail(m); }).catch(() => {});
    }
  }

  function pick(ev, sticky) {
    const g = ev.target.closest && ev.target.closest('g.msg');
    if (!g) return;
    const m = drawn[Number(g.dataset.k)];
    if (!m) return;
    if (sticky) {
      chosen = m.key;
      document.querySelectorAll('g.msg.chosen').forEach((e) => e.classList.remove('chosen'));
      g.classList.add('chosen');
    }
    if (sticky || !chosen) detail(m);
  }

  // ---- start ----------------------------------------------------------------------------------------------------------
  async function open() {
    $('login').hidden = true;
    try {
      const ids = await json('/nodes');
      ids.forEach((n) => { localNodes.push(n); addNode(n); });
      fillSelects();
      stream(); // first, so that nothing between the history and the stream is missed (rows merge by id)
      await Promise.all(ids.map(async (n) => {
        const peers = await json('/nodes/' + encodeURIComponent(n) + '/peers');
        peers.forEach((p) => peerRow(n, p, false));
        const rows = await json('/nodes/' + encodeURIComponent(n) + '/messages?limit=' + HISTORY_ROWS);
        rows.forEach((r) => ingest(n, r));
      }));
      document.title = 'Parley: ' + ids.join(', ');
      render();
      document.body.dataset.loaded = 'true';
    } catch (e) {
      if (e instanceof Unauthorized) askToken(e.message); else connection('failed: ' + e.message, 'broken');
    }
  }

  $('login').addEventListener('submit', (ev) => {
    ev.preventDefault();
    sessionStorage.setItem('parley-token', $('token').value.trim());
    token = sessionStorage.getItem('parley-token');
    open();
  });
  $('send').addEventListener('submit', send);
  $('from').addEventListener('change', fillSelects);
  $('zoom-in').addEventListener('click', () => { pxPerMs *= 2; render(); });
  $('zoom-out').addEventListener('click', () => { pxPerMs /= 2; render(); });
  $('chart').addEventListener('mouseover', (ev) => pick(ev, false));
  $('chart').addEventListener('click', (ev) => pick(ev, true));
  $('detail').addEventListener('click', (ev) => {
    if (ev.target.classList.contains('close')) { $('detail').hidden = true; chosen = null; render(); }
  });
  $('scroll').addEventListener('scroll', () => {
    const sc = $('scroll');
    $('follow').checked = sc.scrollTop + sc.clientHeight >= sc.scrollHeight - 30;
  }, { passive: true });
  window.addEventListener('resize', scheduleRender);

  token = takeToken();
  if (token) open(); else askToken('');
})();
