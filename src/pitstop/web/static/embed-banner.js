/* pitstop's maintenance banner for any page:
 *   <script src="https://status.example.com/embed/banner.js" async></script>
 * puts an iframe of https://status.example.com/embed/banner where the script is (or into the
 * element named by data-target="#selector"), as tall as its content. With nothing planned it
 * stays hidden unless the tag has data-always. Nothing is loaded from any other host. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var origin = new URL(script.src, document.baseURI).origin;
  var frame = document.createElement("iframe");
  frame.src = origin + "/embed/banner";
  frame.title = script.getAttribute("data-title") || "Maintenance status";
  frame.setAttribute("scrolling", "no");
  frame.style.cssText = "border:0;width:100%;height:0;display:block;overflow:hidden;" +
                        "visibility:hidden";
  var always = script.hasAttribute("data-always");
  var where = script.getAttribute("data-target");
  var host = where ? document.querySelector(where) : null;
  if (host) host.appendChild(frame);
  else script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || event.source !== frame.contentWindow || !data ||
        data.type !== "pitstop-banner") return;
    var hidden = data.state === "none" && !always;
    frame.style.height = hidden ? "0" : data.height + "px";
    frame.style.visibility = hidden ? "hidden" : "visible";  // still laid out: it can say
                                                             // when it has something to show
  });
})();
