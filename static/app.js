/*
 * Progressive enhancement for the todo pages. Without this script every form
 * posts normally, the server answers with a page, and the hidden
 * idempotency_key makes a re-post harmless. With it:
 *
 * - a submit disables its button and sends the form with fetch; when the
 *   network fails or times out, or the server says it is still saving, it
 *   retries with the SAME key, so the server runs it at most once;
 * - the page the server answers with (the list after its redirect, or a page
 *   with errors, a conflict, a confirmation, a 404 ...) replaces <main> and
 *   the title in place: one load per action, the scroll position kept on the
 *   same list, focus on the control the user was on;
 * - a delete asks "Delete '...'?" inside its item before posting;
 * - every <time datetime> reads as a local relative time ("5 minutes ago").
 */
(function () {
  'use strict';

  var TIMEOUT_MS = 10000;
  var DELAYS_MS = [500, 1000, 2000, 4000, 8000];
  var LANG = document.documentElement.lang || undefined;
  /* Pages, as a browser asks, also for the web server's own errors. */
  var ACCEPT = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';

  /* ---- Times ---------------------------------------------------------- */

  var rtf = window.Intl && Intl.RelativeTimeFormat ?
    new Intl.RelativeTimeFormat(LANG, { numeric: 'auto' }) : null;

  function dayStart(d) {
    return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  }

  /* "just now", "5 minutes ago", "3 hours ago", "yesterday", or a date. */
  function relative(d, now) {
    var s = (now - d) / 1000;
    if (s < 45 && s > -45) {
      return 'just now';
    }
    if (s < 0 || !rtf) {
      return d.toLocaleString(LANG, { dateStyle: 'medium', timeStyle: 'short' });
    }
    var m = Math.round(s / 60);
    var days = Math.round((dayStart(now) - dayStart(d)) / 864e5);
    if (m < 60) {
      return rtf.format(-m, 'minute');
    }
    if (days === 0) {
      return rtf.format(-Math.round(m / 60), 'hour');
    }
    if (days === 1) {
      return rtf.format(-1, 'day');
    }
    return d.toLocaleDateString(LANG, { day: 'numeric', month: 'short',
      year: d.getFullYear() === now.getFullYear() ? undefined : 'numeric' });
  }

  function showTimes(root) {
    var now = new Date();
    root.querySelectorAll('time[datetime]').forEach(function (el) {
      var d = new Date(el.getAttribute('datetime'));
      if (isNaN(d.getTime())) {
        return;
      }
      var text = relative(d, now);
      var exact = d.toLocaleString(LANG, { dateStyle: 'full', timeStyle: 'long' });
      if (el.textContent !== text) {
        el.textContent = text;
      }
      if (el.title !== exact) {
        el.title = exact;
      }
    });
  }

  /* ---- Swapping in the server's page ---------------------------------- */

  var mainEl = function () { return document.querySelector('main'); };
  var entryId = 0;	/* which swapped-in page this history entry shows */

  /* The list a URL shows: its path with show and cursor, defaults filled in. */
  function listOf(url) {
    var u = new URL(url, location.href);
    var show = u.searchParams.get('show') || 'all';
    return u.pathname + '?show=' + show + '&cursor=' + (u.searchParams.get('cursor') || '');
  }

  /* What a form does to which todo, to find its twin on the next page. */
  function roleOf(form) {
    var path = new URL(form.action, location.href).pathname;
    var m = /^\/todos\/(\d+)\/([a-z]+)$/.exec(path);
    if (m) {
      return { id: m[1], verb: m[2] };
    }
    return form.classList.contains('create') ? { create: true } : null;
  }

  function twinOf(role) {
    if (!role) {
      return null;
    }
    if (role.create) {
      return document.querySelector('form.create #title');
    }
    var item = document.getElementById('todo-' + role.id);
    if (!item) {
      return null;
    }
    var want = '/todos/' + role.id + '/' + role.verb;
    var found = null;
    item.querySelectorAll('form, a[href]').forEach(function (el) {
      if (found) {
        return;
      }
      if (el.tagName === 'A') {
        if (new URL(el.href, location.href).pathname === want) {
          found = el;
        }
      } else if (new URL(el.action, location.href).pathname === want) {
        found = el.querySelector('button[type="submit"], button');
      }
    });
    return found;
  }

  function focusable(el) {
    if (el && !el.matches('a[href], button, input, textarea, select, [tabindex]')) {
      el.setAttribute('tabindex', '-1');
    }
    return el;
  }

  function inView(el) {
    var r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight;
  }

  /*
   * The page as it is, with what was typed, for the history entry being
   * left: Back shows it as it was, like the browser does without the
   * script, so re-submitting its form repeats the same operation.
   */
  function snapshot() {
    var main = mainEl();
    var copy = main.cloneNode(true);
    var from = main.querySelectorAll('input, textarea');
    var to = copy.querySelectorAll('input, textarea');
    for (var i = 0; i < from.length && i < to.length; i++) {
      if (from[i].tagName === 'TEXTAREA') {
        to[i].textContent = from[i].value;
      } else if (from[i].type === 'checkbox' || from[i].type === 'radio') {
        to[i].toggleAttribute('checked', from[i].checked);
      } else {
        to[i].setAttribute('value', from[i].value);
      }
    }
    copy.querySelectorAll('.form-status, .confirm-delete').forEach(function (el) {
      el.remove();
    });
    copy.querySelectorAll('[data-confirm-hidden]').forEach(function (el) {
      el.hidden = false;
      el.removeAttribute('style');
      el.removeAttribute('data-confirm-hidden');
    });
    copy.querySelectorAll('button[data-label]').forEach(function (b) {
      b.disabled = false;
      b.textContent = b.dataset.label;
    });
    copy.querySelectorAll('form').forEach(function (f) {
      delete f.dataset.sending;
      delete f.dataset.native;
    });
    return { todo: 1, id: entryId, main: copy.innerHTML, title: document.title,
      scrollY: window.scrollY };
  }

  /*
   * A live region that arrives with its text may not be read out: insert
   * the notice empty, then give it its text.
   */
  function announce(main) {
    var notice = main.querySelector('[role="status"]');
    if (!notice || !notice.textContent.trim()) {
      return null;
    }
    var nodes = Array.prototype.slice.call(notice.childNodes);
    notice.replaceChildren();
    return function () { notice.replaceChildren.apply(notice, nodes); };
  }

  /*
   * Puts the <main> and <title> of html in place. how.role is the control
   * the user acted on, how.keepScroll whether to stay where they were,
   * how.hash an anchor to go to otherwise. Returns false when html is not
   * one of our pages.
   */
  function swap(html, how) {
    var doc = new DOMParser().parseFromString(html, 'text/html');
    var next = doc.querySelector('main');
    var main = mainEl();
    if (!next || !main) {
      return false;
    }
    var y = window.scrollY;
    main.replaceChildren.apply(main, Array.prototype.slice.call(next.childNodes)
      .map(function (n) { return document.adoptNode(n); }));
    document.title = doc.title;
    var speak = how.announce ? announce(main) : null;
    showTimes(main);

    var target = main.querySelector('[autofocus]') ||
      main.querySelector('.error-summary') ||
      main.querySelector('[aria-invalid="true"]') ||
      twinOf(how.role) ||
      main.querySelector('#list-heading') ||
      main.querySelector('h1');

    var anchor = how.hash ? document.getElementById(how.hash.slice(1)) : null;
    if (how.keepScroll) {
      window.scrollTo(0, y);
    } else if (anchor) {
      anchor.scrollIntoView();
    } else {
      window.scrollTo(0, 0);
    }
    if (target && how.focus !== false) {
      focusable(target).focus({ preventScroll: true });
      if (!inView(target)) {
        target.scrollIntoView({ block: 'nearest' });
      }
    }
    return speak || true;
  }

  function restore(state) {
    entryId = state.id;
    if (state.main == null) {
      return false;
    }
    var main = mainEl();
    main.innerHTML = state.main;
    document.title = state.title;
    showTimes(main);
    window.scrollTo(0, state.scrollY || 0);
    return true;
  }

  /* Shows the page of a GET of the current address (Back to a page we
   * have no copy of). */
  function reloadMain() {
    var opts = { credentials: 'same-origin', headers: { 'Accept': ACCEPT } };
    fetch(location.href, opts).then(function (res) {
      return res.text().then(function (html) {
        if (!swap(html, { hash: location.hash, focus: false })) {
          location.reload();
        }
      });
    }, function () { location.reload(); });
  }

  window.addEventListener('popstate', function (ev) {
    var st = ev.state;
    if (!st || !st.todo || st.id === entryId) {
      return;	/* an in-page anchor, or the same page */
    }
    if (!restore(st)) {
      reloadMain();
    }
  });

  /* ---- Sending a form ------------------------------------------------- */

  function statusFor(form) {
    var el = form.querySelector('.form-status');
    if (!el) {
      el = document.createElement('p');
      el.className = 'form-status';
      el.setAttribute('role', 'status');
      el.setAttribute('aria-live', 'polite');
      form.appendChild(el);
    }
    return el;
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function post(form, body) {
    var ctrl = new AbortController();
    var timer = setTimeout(function () { ctrl.abort(); }, TIMEOUT_MS);
    return fetch(form.action, {
      method: 'POST',
      body: body,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept': ACCEPT },
      credentials: 'same-origin',
      redirect: 'follow',
      signal: ctrl.signal
    }).then(function (res) {
      /* The body too, so that a connection lost mid-body is retried. */
      return res.text().then(function (text) { return { res: res, text: text }; });
    }).finally(function () { clearTimeout(timer); });
  }

  function native(form) {
    form.dataset.native = '1';
    HTMLFormElement.prototype.submit.call(form);
  }

  /* Shows the server's answer to form. */
  function show(form, res, html) {
    var role = roleOf(form);
    var ctype = res.headers.get('Content-Type') || '';
    if (ctype.indexOf('text/html') !== 0) {
      if (res.ok && res.redirected) {
        window.location.assign(res.url);
      } else {
        native(form);	/* the same key: this cannot do it twice */
      }
      return;
    }
    /*
     * fetch drops the fragment of the redirect's Location: the server sends
     * the list back at the todo acted on, which the form names.
     */
    var url = res.redirected ? res.url : location.href;
    var hash = '';
    if (res.redirected && role && role.id && role.verb !== 'delete' &&
        new URL(res.url).hash === '') {
      hash = '#todo-' + role.id;
    }
    var same = !res.redirected || listOf(url) === listOf(location.href);
    var leaving = snapshot();
    var speak = swap(html, { role: role, keepScroll: same, hash: hash, announce: true });
    if (!speak) {
      native(form);
      return;
    }
    /* Like a form's own navigation, each answer is a new history entry. */
    function commit() {
      history.replaceState(leaving, '', location.href);
      entryId = leaving.id + 1 + Math.floor(Math.random() * 1e9);
      history.pushState({ todo: 1, id: entryId }, '', new URL(url + hash, location.href).href);
      if (typeof speak === 'function') {
        speak();
      }
    }
    if (typeof speak === 'function') {
      setTimeout(commit, 50);
    } else {
      commit();
    }
  }

  function send(form, button, label, body) {
    var status = statusFor(form);
    var attempt = 0;

    function fail() {
      button.disabled = false;
      button.textContent = label;
      form.dataset.sending = '';
      status.textContent = 'Could not reach the server. Nothing is lost: ' +
        'press the button again to retry safely.';
    }

    function tryOnce() {
      return post(form, body).then(function (r) {
        /*
         * "Still saving" (409 with Retry-After), or the program unreachable
         * or not sure it saved (502, 503, 504): the same key again.
         */
        var st = r.res.status;
        if (attempt < DELAYS_MS.length &&
            ((st === 409 && r.res.headers.get('Retry-After')) ||
             st === 502 || st === 503 || st === 504)) {
          return retry(st === 409 ? 'The server is still saving; waiting' :
            'The server is not answering; retrying');
        }
        show(form, r.res, r.text);
      }, function () {
        if (attempt < DELAYS_MS.length) {
          return retry('Connection problem; retrying');
        }
        fail();
      });
    }

    function retry(why) {
      var wait = DELAYS_MS[attempt];
      attempt++;
      status.textContent = why + ' (attempt ' + (attempt + 1) + ')\u2026';
      return sleep(wait).then(tryOnce);
    }

    button.dataset.label = label;
    button.disabled = true;
    button.textContent = 'Saving\u2026';
    status.textContent = '';
    return tryOnce();
  }

  function formBody(form, submitter) {
    var data;
    try {
      data = new FormData(form, submitter && submitter.form === form ? submitter : undefined);
    } catch (e) {
      data = new FormData(form);
    }
    return new URLSearchParams(data).toString();
  }

  /* ---- Delete, confirmed in place ------------------------------------- */

  function isDelete(form) {
    return /\/todos\/\d+\/delete$/.test(new URL(form.action, location.href).pathname);
  }

  function confirmed(form) {
    var c = form.querySelector('input[name="confirm"]');
    return c && c.value === 'yes';
  }

  function askDelete(form) {
    var item = form.closest('li');
    var actions = form.closest('.actions') || form;
    var titleEl = item.querySelector('.title');
    var title = titleEl ? titleEl.textContent : '';
    var id = item.id + '-confirm';
    if (item.querySelector('.confirm-delete')) {
      return;
    }

    var box = document.createElement('div');
    box.className = 'confirm confirm-delete';
    box.setAttribute('role', 'group');
    box.setAttribute('aria-labelledby', id);
    var q = document.createElement('p');
    q.id = id;
    q.textContent = 'Delete \u2018' + title + '\u2019?';
    var yes = document.createElement('button');
    yes.type = 'button';
    yes.className = 'delete';
    yes.textContent = 'Delete';
    var no = document.createElement('button');
    no.type = 'button';
    no.className = 'secondary';
    no.textContent = 'Keep';
    box.append(q, yes, ' ', no);

    function keep() {
      box.remove();
      actions.hidden = false;
      actions.style.display = '';
      actions.removeAttribute('data-confirm-hidden');
      var again = form.querySelector('button[type="submit"], button');
      if (again) {
        again.focus();
      }
    }

    yes.addEventListener('click', function () {
      if (form.dataset.sending) {
        return;
      }
      form.dataset.sending = '1';
      no.disabled = true;
      if (!confirmed(form)) {
        var c = document.createElement('input');
        c.type = 'hidden';
        c.name = 'confirm';
        c.value = 'yes';
        form.appendChild(c);
      }
      send(form, yes, 'Delete', formBody(form, null)).finally(function () {
        no.disabled = false;
      });
    });
    no.addEventListener('click', keep);
    box.addEventListener('keydown', function (ev) {
      if (ev.key === 'Escape' && !form.dataset.sending) {
        ev.preventDefault();
        keep();
      }
    });

    /* The style sheet may set display on .actions, which beats [hidden]. */
    actions.hidden = true;
    actions.style.display = 'none';
    actions.setAttribute('data-confirm-hidden', '');
    actions.after(box);
    no.focus();
  }

  /* ---- Events --------------------------------------------------------- */

  /*
   * Back/Forward may restore this page from the browser's cache as it was
   * left, mid-submit. Make its forms usable again; they keep their keys, so
   * submitting one again repeats the same operation, not a new one.
   */
  window.addEventListener('pageshow', function (ev) {
    if (!ev.persisted) {
      return;
    }
    document.querySelectorAll('form').forEach(function (form) {
      form.dataset.sending = '';
      form.dataset.native = '';
      form.querySelectorAll('button[data-label]').forEach(function (b) {
        b.disabled = false;
        b.textContent = b.dataset.label;
      });
    });
    showTimes(document);
  });

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== 'post' ||
        !form.querySelector('input[name="idempotency_key"]') || form.dataset.native) {
      return;
    }
    ev.preventDefault();
    if (form.dataset.sending) {
      return; /* a double-click: the first submit is in flight */
    }
    if (isDelete(form) && !confirmed(form) && form.closest('li')) {
      askDelete(form);
      return;
    }
    form.dataset.sending = '1';
    var button = ev.submitter || form.querySelector('button[type="submit"], button');
    send(form, button, button.textContent, formBody(form, ev.submitter));
  });

  /*
   * A page loaded by Back or Forward onto an entry this script left by
   * swapping: show it as it was left.
   */
  var nav = performance.getEntriesByType &&
    performance.getEntriesByType('navigation')[0];
  if (history.state && history.state.todo) {
    if (!(nav && nav.type === 'back_forward' && restore(history.state))) {
      entryId = history.state.id;
    }
  } else {
    history.replaceState({ todo: 1, id: entryId }, '', location.href);
  }
  showTimes(document);
  setInterval(function () { showTimes(document); }, 60000);
}());
