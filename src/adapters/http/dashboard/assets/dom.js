// Small DOM helpers. Text goes in with textContent only: nothing from the API is ever parsed as HTML.
import { describeError } from "./api-client.js";

const SVG_NS = "http://www.w3.org/2000/svg";

/** `el("a", {href: "/x", class: "y"}, "text", otherNode)`. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.filter((child) => child !== null && child !== undefined).map(asNode));
  return node;
}

export function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  node.append(...children.map(asNode));
  return node;
}

function asNode(child) {
  return child instanceof Node ? child : document.createTextNode(String(child));
}

/**
 * The element or an error naming the selector: a page whose shell lacks it is a bug. Typed loosely (the shell
 * decides what kind of element the selector names: an input, a select, a button).
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {any}
 */
export function q(selector, root = document) {
  const node = root.querySelector(selector);
  if (!node) throw new Error(`missing ${selector}`);
  return node;
}

export function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) node.textContent = value;
}

/** Says something to screen readers (the page's polite live region). */
export function announce(message) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  setTimeout(() => {
    region.textContent = message;
  }, 50);
}

/** The error line of a section; empty hides it. */
export function setSectionStatus(section, message) {
  const status = section.querySelector("[data-role=status]");
  if (status) setText(status, message);
}

/** The section has its data (or its error): no longer busy. */
export function sectionReady(section) {
  section.setAttribute("aria-busy", "false");
}

/** A badge whose tone ("good", "warn", "bad", "info") colours it; the text alone carries the meaning. */
export function badge(text, tone) {
  return el("span", { class: "badge", "data-tone": tone }, text);
}

/** Runs a section's loader: shows its error, if any, in the section and marks it ready either way. */
export async function loadSection(section, load) {
  try {
    await load();
    setSectionStatus(section, "");
  } catch (error) {
    setSectionStatus(section, `Could not load: ${describeError(error)}`);
  } finally {
    sectionReady(section);
  }
}
