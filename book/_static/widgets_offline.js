// Loaded (via nb_ipywidgets_js in _config.yml) just before the local ipywidgets
// widget manager, only on pages that carry widget state.
(function () {
  // The manager finds its font files next to the URL RequireJS gives its module;
  // unconfigured that is relative to the page (book/@jupyter-widgets/...: 404).
  // A global `require` object is RequireJS's config when require.js loads next.
  var root = document.documentElement.dataset.content_root || "./";
  var assets = new URL(root + "ipywidgets", document.baseURI).href;
  window.require = { paths: { "@jupyter-widgets/html-manager/dist": assets } };
  window.__jupyter_widgets_assets_path__ = assets + "/"; // read by later chunks

  // Widget labels are typeset with the MathJax 2 API (MathJax.Hub.Queue), but the
  // book loads MathJax 3: without this bridge every labelled widget throws.
  var hub = {
    Queue: function () {
      for (var i = 0; i < arguments.length; i++) {
        var job = arguments[i];
        var mj = window.MathJax;
        if (Array.isArray(job) && job[0] === "Typeset" && mj && mj.typesetPromise) {
          mj.typesetPromise([job[2]]).catch(function () {});
        }
      }
    },
  };
  if (!document.querySelector('script[src*="mathjax/"]')) return; // no math on this page
  // MathJax 3 (deferred) replaces window.MathJax with itself; re-attach the bridge then.
  var cfg = (window.MathJax = window.MathJax || {});
  cfg.Hub = hub;
  cfg.startup = cfg.startup || {};
  var ready = cfg.startup.ready;
  cfg.startup.ready = function () {
    if (ready) ready(); else window.MathJax.startup.defaultReady();
    window.MathJax.Hub = hub;
  };
})();
