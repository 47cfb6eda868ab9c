// Notification sound (issue 4, part 4): the header badge is polled by htmx
// (web/partials/notification_badge.html); when a newer unread notification appears while
// the page is open, play a short two-tone chime with the Web Audio API — unless the user
// turned it off in Settings → Profile (data-sound="off").
//
// The newest unread id is remembered in localStorage, so a notification chimes once: not
// again on the next page load, and not in every open tab. Browsers refuse audio before
// the user has interacted with the page; the audio context is then created or resumed on
// the first click or key press, and a chime that cannot play is skipped without a word.
// `window.parleyNotify.soundCalls` counts the chimes asked for (the browser test reads it).
(function () {
  "use strict";

  var state = { soundCalls: 0, context: null };
  window.parleyNotify = state;

  function audioContext() {
    if (state.context) {
      return state.context;
    }
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) {
      return null;
    }
    try {
      state.context = new Context();
    } catch (error) {
      return null;
    }
    return state.context;
  }

  function unlock() {
    var context = audioContext();
    if (context && context.state === "suspended") {
      context.resume().catch(function () {});
    }
  }
  document.addEventListener("pointerdown", unlock, { capture: true, once: true });
  document.addEventListener("keydown", unlock, { capture: true, once: true });

  function tone(context, frequency, start, length) {
    var oscillator = context.createOscillator();
    var gain = context.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.15, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
    oscillator.connect(gain);
    gain.connect(context.destination);
    oscillator.start(start);
    oscillator.stop(start + length + 0.02);
  }

  function playSound() {
    state.soundCalls += 1;
    var context = audioContext();
    if (!context || context.state !== "running") {
      // Blocked until a user gesture: stay silent rather than queue a late chime.
      return;
    }
    try {
      var now = context.currentTime;
      tone(context, 880, now, 0.18);
      tone(context, 1320, now + 0.16, 0.22);
    } catch (error) {
      // Audio is a courtesy; never let it break the page.
    }
  }
  state.play = playSound;

  function remembered(key) {
    try {
      var value = window.localStorage.getItem(key);
      return value === null ? null : parseInt(value, 10) || 0;
    } catch (error) {
      return state[key] === undefined ? null : state[key];
    }
  }

  function remember(key, value) {
    state[key] = value;
    try {
      window.localStorage.setItem(key, String(value));
    } catch (error) {
      // Private mode: the in-page value above is enough.
    }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var host = document.getElementById("notification-badge");
    if (!host || event.detail.target !== host) {
      return;
    }
    var badge = host.querySelector("[data-latest]");
    if (!badge) {
      return;
    }
    var key = "parley.notify.latest." + (host.dataset.user || "");
    var latest = parseInt(badge.dataset.latest, 10) || 0;
    var seen = remembered(key);
    if (seen !== null && latest > seen && host.dataset.sound === "on") {
      playSound();
    }
    if (seen === null || latest > seen) {
      remember(key, latest);
    }
  });
})();
