/*
 * Progressive enhancement for the todo forms. Without this script the forms
 * post normally and the hidden idempotency_key still makes a re-post
 * harmless. With it, a submit disables its button, sends the form with
 * fetch, and when the network fails or times out retries with the SAME key
 * (so the server runs it at most once), then follows the server's redirect.
 */
(function () {
  'use strict';

  var TIMEOUT_MS = 10000;
  var DELAYS_MS = [500, 1000, 2000, 4000, 8000];

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
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      credentials: 'same-origin',
      redirect: 'follow',
      signal: ctrl.signal
    }).finally(function () { clearTimeout(timer); });
  }

  function send(form, button, label) {
    var body = new URLSearchParams(new FormData(form)).toString();
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
      return post(form, body).then(function (res) {
        if (res.ok) {
          /* The 303 was followed: show its page (Post/Redirect/Get). */
          window.location.assign(res.url);
          return;
        }
        if (res.status === 409 && attempt < DELAYS_MS.length) {
          return retry('The server is still saving; waiting');
        }
        /*
         * A page with errors: post natively so the browser shows it. The
         * key is the same, so this cannot make a second todo.
         */
        form.dataset.native = '1';
        HTMLFormElement.prototype.submit.call(form);
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
    form.dataset.sending = '1';
    var button = ev.submitter || form.querySelector('button[type="submit"], button');
    send(form, button, button.textContent);
  });
}());
