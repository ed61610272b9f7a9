// Measures a book page as a reader at a 1280 px wide window sees it, once mermaid has
// drawn every diagram, and writes what it found as JSON into a <pre> of its own
// (id netlab-layout) at the end of the body, which the render test reads back from the
// browser's DOM dump.
//
// - tiny: text of a diagram drawn smaller than MIN_TEXT_PX (a wide diagram shrunk to
//   the page's width);
// - outside: text of a diagram that sticks out of its box (a note, a node) or of the
//   diagram itself;
// - wide: the page, or a table on it, wider than the window, so it scrolls sideways.
(function () {
  const MIN_TEXT_PX = 10;
  const SLACK_PX = 1.5;
  const SHAPES = ["rect", "polygon", "circle", "ellipse", "path"];

  function diagramsDrawn() {
    const diagrams = document.querySelectorAll("pre.mermaid");
    return Array.from(diagrams).every((d) => d.getAttribute("data-processed") === "true");
  }

  // How much the SVG is scaled from its own units to the page's pixels.
  function scaleOf(svg) {
    const box = svg.viewBox && svg.viewBox.baseVal;
    if (!box || !box.width) return 1;
    return svg.getBoundingClientRect().width / box.width;
  }

  // The box a text must fit in: a flowchart node's shape, a sequence diagram's note or
  // participant box; any other text (an arrow's label, a stick figure's name, a loop's
  // title) only has to stay inside the diagram.
  function boxOf(element, svg) {
    const node = element.closest("g.node");
    if (node && svg.contains(node)) {
      const shape = Array.from(node.querySelectorAll(SHAPES.join(","))).find(
        (s) => !s.closest(".label"),
      );
      if (shape) return shape.getBoundingClientRect();
    }
    const text = element.closest("text");
    if (text && text.parentElement) {
      const owner = text.parentElement;
      const pairs = [["noteText", "rect.note"], ["actor", "rect.actor"]];
      for (const [textClass, boxSelector] of pairs) {
        const box = text.classList.contains(textClass) && owner.querySelector(boxSelector);
        if (box) return box.getBoundingClientRect();
      }
    }
    return svg.getBoundingClientRect();
  }

  function inside(inner, outer) {
    return (
      inner.left >= outer.left - SLACK_PX &&
      inner.right <= outer.right + SLACK_PX &&
      inner.top >= outer.top - SLACK_PX &&
      inner.bottom <= outer.bottom + SLACK_PX
    );
  }

  function measure() {
    const found = { tiny: [], outside: [], wide: [] };
    document.querySelectorAll("pre.mermaid svg").forEach((svg, index) => {
      const scale = scaleOf(svg);
      const walker = document.createTreeWalker(svg, NodeFilter.SHOW_TEXT);
      for (let text = walker.nextNode(); text; text = walker.nextNode()) {
        const words = text.textContent.trim();
        if (!words) continue;
        const element = text.parentElement;
        if (!element || element.closest("style")) continue;
        const px = parseFloat(getComputedStyle(element).fontSize) * scale;
        if (px < MIN_TEXT_PX) {
          found.tiny.push({ diagram: index + 1, text: words, px: Math.round(px * 10) / 10 });
        }
        const range = document.createRange();
        range.selectNodeContents(text);
        const rect = range.getBoundingClientRect();
        if (rect.width > 0 && !inside(rect, boxOf(element, svg))) {
          found.outside.push({ diagram: index + 1, text: words });
        }
      }
    });
    const page = document.scrollingElement || document.documentElement;
    if (page.scrollWidth > window.innerWidth + 1) {
      found.wide.push({ what: "the page", px: page.scrollWidth });
    }
    document.querySelectorAll("table").forEach((table, index) => {
      const holder = table.parentElement;
      const width = Math.max(table.scrollWidth, table.getBoundingClientRect().width);
      const room = holder.clientWidth;
      if (width > room + 1) {
        found.wide.push({ what: "table " + (index + 1), px: Math.round(width), room });
      }
    });
    const out = document.createElement("pre");
    out.id = "netlab-layout";
    out.textContent = JSON.stringify(found);
    document.body.appendChild(out);
  }

  function whenDrawn(tries) {
    if (diagramsDrawn() || tries === 0) {
      measure();
    } else {
      setTimeout(() => whenDrawn(tries - 1), 100);
    }
  }

  window.addEventListener("load", () => whenDrawn(40));
})();
