// Live counters: every few seconds ask the JSON API for the petition's count (a conditional
// request, so an unchanged count costs an empty 304), then animate the number to its new value.
// Counters say what to poll in data attributes: data-counter-api, data-lang, data-counter-count.
(function () {
  "use strict";

  var INTERVAL = 5000;
  var MAX_INTERVAL = 60000;
  var ANIMATION_MS = 900;
  var ANNOUNCE_EVERY_MS = 30000;
  var reduceMotion = window.matchMedia &&
    window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function numberFormat(lang) {
    // Latin digits, as the server formats them for every language we serve.
    try {
      return new Intl.NumberFormat(lang + "-u-nu-latn");
    } catch (error) {
      return new Intl.NumberFormat();
    }
  }

  function Counter(element) {
    this.element = element;
    this.url = element.dataset.counterApi;
    this.text = element.querySelector("[data-counter-text]");
    this.number = this.text ? this.text.querySelector("strong") : null;
    this.announcer = element.querySelector("[data-counter-announce]");
    this.bar = element.querySelector("[data-counter-bar]");
    this.count = parseInt(element.dataset.counterCount, 10);
    this.format = numberFormat(element.dataset.lang || document.documentElement.lang);
    this.etag = null;
    this.delay = INTERVAL;
    this.announcedAt = 0;
    this.frame = null;
  }

  Counter.prototype.schedule = function () {
    var self = this;
    window.setTimeout(function () { self.poll(); }, this.delay);
  };

  Counter.prototype.poll = function () {
    var self = this;
    if (document.hidden) {
      this.schedule();
      return;
    }
    var headers = { Accept: "application/json" };
    if (this.etag) {
      headers["If-None-Match"] = this.etag;
    }
    fetch(this.url, { headers: headers, cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (response.status === 304) {
          return null;
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        self.etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (petition) {
        if (petition) {
          self.update(petition);
        }
        self.delay = INTERVAL;
      }, function () {
        // Server busy or offline: ask less often until it answers again.
        self.delay = Math.min(self.delay * 2, MAX_INTERVAL);
      })
      .then(function () { self.schedule(); });
  };

  Counter.prototype.update = function (petition) {
    var target = petition.signature_count;
    if (typeof target !== "number" || target === this.count || !this.number) {
      return;
    }
    var self = this;
    var from = isNaN(this.count) ? target : this.count;
    this.count = target;
    if (this.bar) {
      this.bar.value = Math.min(target, Number(this.bar.max));
    }
    var finish = function () { self.settle(petition); };
    if (reduceMotion || from === target) {
      finish();
      return;
    }
    if (this.frame) {
      window.cancelAnimationFrame(this.frame);
    }
    var started = null;
    var step = function (now) {
      if (started === null) {
        started = now;
      }
      var progress = Math.min((now - started) / ANIMATION_MS, 1);
      var eased = 1 - Math.pow(1 - progress, 3);
      self.number.textContent = self.format.format(Math.round(from + (target - from) * eased));
      if (progress < 1) {
        self.frame = window.requestAnimationFrame(step);
      } else {
        self.frame = null;
        finish();
      }
    };
    this.frame = window.requestAnimationFrame(step);
  };

  // The server's own sentence, so the plural form is right in every language.
  Counter.prototype.settle = function (petition) {
    var sentence = petition.signature_count_text;
    var display = petition.signature_count_display;
    var at = sentence ? sentence.indexOf(display) : -1;
    if (at < 0) {
      this.number.textContent = display;
    } else {
      var strong = document.createElement("strong");
      strong.textContent = display;
      this.text.textContent = "";
      this.text.append(sentence.slice(0, at), strong, sentence.slice(at + display.length));
      this.number = strong;
    }
    var now = Date.now();
    if (this.announcer && now - this.announcedAt >= ANNOUNCE_EVERY_MS) {
      this.announcer.textContent = sentence;
      this.announcedAt = now;
    }
  };

  if (!window.fetch) {
    return;
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-counter-api]"), function (element) {
    new Counter(element).schedule();
  });
})();
