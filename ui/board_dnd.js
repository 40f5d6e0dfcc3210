// The board's columns and cards in one element, with drag and drop of cards (CS Cockpit).
//
// Python (ui/board_dnd.py) sends the board as plain data; every text a user wrote (titles,
// tags, names) is put into the page with textContent or setAttribute, never as HTML.
// Events back to Python (trigger values, one rerun each):
//   open: a card's key, when it is clicked or opened with Enter/Space;
//   move: {card, column, position, version} when a card is dropped somewhere new
//         (position: 0 = top, among the column's other cards; null = the end).
// A dropped card moves on screen at once (marked "pending") until the server's answer
// redraws the board; a refused move redraws it where it was.
// A long column draws its first PAGE cards at once and the next ones as it is scrolled
// towards its end (a sentinel after the last card drawn); a redraw keeps as many as were shown.

const drawn = new WeakMap(); // root element -> {signature, data, send}
const watching = new WeakMap(); // root element -> the observers of its columns' ends
const ICONS = {
  // Material icons (Apache 2.0): checklist, chat_bubble_outline, attach_file
  checklist:
    "M22 7h-9v2h9V7zm0 8h-9v2h9v-2zM5.54 11 2 7.46l1.41-1.41 2.12 2.12 4.24-4.24 1.41 1.41L5.54 11zm0 8L2 15.46l1.41-1.41 2.12 2.12 4.24-4.24 1.41 1.41L5.54 19z",
  comments: "M20 2H4c-1.1 0-2 .9-2 2v18l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2zm0 14H6l-2 2V4h16v12z",
  attachments:
    "M16.5 6v11.5c0 2.21-1.79 4-4 4s-4-1.79-4-4V5c0-1.38 1.12-2.5 2.5-2.5s2.5 1.12 2.5 2.5v10.5c0 .55-.45 1-1 1s-1-.45-1-1V6H10v9.5c0 1.38 1.12 2.5 2.5 2.5s2.5-1.12 2.5-2.5V5c0-2.21-1.79-4-4-4S7 2.79 7 5v12.5c0 3.04 2.46 5.5 5.5 5.5s5.5-2.46 5.5-5.5V6h-1.5z",
};
const SVG = "http://www.w3.org/2000/svg";
const PAGE = 40; // cards of a column drawn at once: more than a tall screen shows
const AHEAD = "0px 0px 600px 0px"; // draw the next ones this far before they scroll into view

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function counted(name, value, label) {
  const node = element("span", "fact counted");
  node.title = label;
  const icon = document.createElementNS(SVG, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", ICONS[name]);
  icon.append(path);
  node.append(icon, element("span", "", value));
  return node;
}

function cardElement(card, data) {
  const node = element("div", "card");
  node.dataset.cardId = String(card.id);
  node.dataset.key = card.key;
  node.setAttribute("role", "button");
  node.setAttribute("tabindex", "0");
  node.setAttribute("aria-label", `${card.key} · ${card.title}`);
  if (data.may_move) node.setAttribute("draggable", "true");
  const title = element("div", "title");
  title.append(element("span", "key", card.key), element("span", "text", card.title));
  node.append(title);
  if (data.collapsed) {
    node.classList.add("collapsed");
    node.title = `${card.key} · ${card.title}`;
    return node;
  }
  const facts = element("div", "facts");
  if (card.status) facts.append(element("span", "fact status", card.status));
  if (card.priority) facts.append(element("span", `fact priority ${card.priority.tone}`, card.priority.text));
  if (card.due) facts.append(element("span", `fact due ${card.due.tone}`, card.due.text));
  for (const name of ["checklist", "comments", "attachments"]) {
    if (card[name]) facts.append(counted(name, card[name], data.labels[name]));
  }
  if (facts.childElementCount) node.append(facts);
  if (card.tags.length || card.assignees.length) {
    const people = element("div", "people");
    for (const tag of card.tags) {
      const chip = element("span", "tag", tag.name);
      chip.dataset.color = tag.color; // one of the board's tag colours (checked in Python)
      people.append(chip);
    }
    for (const name of card.assignees) people.append(element("span", "assignee", name));
    node.append(people);
  }
  return node;
}

// Draw the column's next cards (at least up to `upTo`), before its sentinel; the sentinel
// goes once every card is drawn.
function drawMore(list, column, data, upTo) {
  const more = list.querySelector(".more");
  const from = Number(list.dataset.drawn || 0);
  const to = Math.min(column.cards.length, Math.max(upTo, from + PAGE));
  list.dataset.drawn = String(to);
  const cards = document.createDocumentFragment();
  for (const card of column.cards.slice(from, to)) cards.append(cardElement(card, data));
  list.insertBefore(cards, more);
  if (to >= column.cards.length) {
    more?.remove();
  } else if (!more) {
    const sentinel = element("div", "more");
    sentinel.setAttribute("aria-hidden", "true");
    list.append(sentinel);
  }
}

function columnElement(column, data, shown) {
  const node = element("section", "column");
  node.dataset.columnId = String(column.id);
  const header = element("header", "header");
  header.append(element("span", "name", column.name));
  header.append(element("span", `count ${column.tone}`, column.count));
  if (column.shown) header.append(element("span", "shown", column.shown));
  node.append(header);
  if (column.note) node.append(element("div", "note", column.note));
  const list = element("div", "cards");
  list.dataset.columnId = String(column.id);
  if (column.cards.length) drawMore(list, column, data, shown || PAGE);
  else list.append(element("div", "empty", data.labels.empty));
  node.append(list);
  return node;
}

// Once a column's sentinel comes near the end of its scrolled list, draw its next cards;
// observed anew after each, so a list still short of its end draws on.
function watchEnds(root, data) {
  for (const observer of watching.get(root) || []) observer.disconnect();
  const observers = [];
  for (const list of root.querySelectorAll(".cards")) {
    const sentinel = list.querySelector(".more");
    if (!sentinel) continue;
    const column = data.columns.find((c) => String(c.id) === list.dataset.columnId);
    const observer = new IntersectionObserver(
      (entries) => {
        if (!entries.some((entry) => entry.isIntersecting)) return;
        drawMore(list, column, data, 0);
        observer.disconnect();
        const next = list.querySelector(".more");
        if (next) observer.observe(next);
      },
      { root: list, rootMargin: AHEAD },
    );
    observer.observe(sentinel);
    observers.push(observer);
  }
  watching.set(root, observers);
}

function draw(root, data) {
  const scrolled = new Map();
  for (const list of root.querySelectorAll(".cards")) {
    scrolled.set(list.dataset.columnId, { top: list.scrollTop, shown: Number(list.dataset.drawn) });
  }
  const board = element("div", data.collapsed ? "board collapsed" : "board");
  for (const column of data.columns) {
    board.append(columnElement(column, data, scrolled.get(String(column.id))?.shown));
  }
  root.replaceChildren(board);
  for (const list of root.querySelectorAll(".cards")) {
    const top = scrolled.get(list.dataset.columnId)?.top;
    if (top) list.scrollTop = top; // (setting it lays the page out: only when scrolled)
  }
  watchEnds(root, data);
  root.dataset.drawnAt = String(performance.now());
}

function cardData(data, id) {
  for (const column of data.columns) {
    for (const card of column.cards) {
      if (card.id === id) return { card, column };
    }
  }
  return null;
}

// Where a drop lands in a column's list: the card it goes before (null: after the last).
function cardAfter(list, y) {
  for (const node of list.querySelectorAll(".card:not(.dragging)")) {
    const box = node.getBoundingClientRect();
    if (y < box.top + box.height / 2) return node;
  }
  return null;
}

// The place among the target column's other cards (the move command's position), from the
// full-column positions the cards carry: filters may hide cards between the visible ones.
function dropPosition(data, moving, columnId, before, list) {
  const sameColumn = moving.column.id === columnId;
  const index = (node) => {
    const { card } = cardData(data, Number(node.dataset.cardId));
    return sameColumn && moving.card.position < card.position ? card.position - 1 : card.position;
  };
  if (before) return index(before);
  const visible = [...list.querySelectorAll(".card:not(.dragging)")];
  return visible.length ? index(visible[visible.length - 1]) + 1 : null;
}

function listen(root) {
  let moving = null;
  const marker = element("div", "marker");
  const state = () => drawn.get(root);
  const clear = () => {
    marker.remove();
    for (const node of root.querySelectorAll(".cards.over")) node.classList.remove("over");
  };

  root.addEventListener("click", (event) => {
    const card = event.target.closest(".card");
    if (card) state().send("open", card.dataset.key);
  });
  root.addEventListener("keydown", (event) => {
    const card = event.target.closest(".card");
    if (card && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      state().send("open", card.dataset.key);
    }
  });
  root.addEventListener("dragstart", (event) => {
    const card = event.target.closest(".card");
    const { data } = state();
    if (!card || !data.may_move || root.querySelector(".pending")) {
      event.preventDefault();
      return;
    }
    moving = cardData(data, Number(card.dataset.cardId));
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.key);
    requestAnimationFrame(() => card.classList.add("dragging"));
  });
  root.addEventListener("dragover", (event) => {
    const list = event.target.closest(".column")?.querySelector(".cards");
    if (!moving || !list) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    const before = cardAfter(list, event.clientY) ?? list.querySelector(".more");
    if (marker.parentNode !== list || marker.nextSibling !== before) {
      clear();
      list.classList.add("over");
      list.insertBefore(marker, before);
    }
  });
  root.addEventListener("dragleave", (event) => {
    if (!root.contains(event.relatedTarget)) clear();
  });
  root.addEventListener("drop", (event) => {
    const list = event.target.closest(".column")?.querySelector(".cards");
    if (!moving || !list) return;
    event.preventDefault();
    const { data, send } = state();
    const card = root.querySelector(`.card[data-card-id="${moving.card.id}"]`);
    const columnId = Number(list.dataset.columnId);
    const before = cardAfter(list, event.clientY);
    const position = dropPosition(data, moving, columnId, before, list);
    const unchanged =
      columnId === moving.column.id && (position ?? moving.column.size - 1) === moving.card.position;
    clear();
    if (card && !unchanged) {
      list.querySelector(".empty")?.remove();
      list.insertBefore(card, before ?? list.querySelector(".more"));
      card.classList.add("pending");
      send("move", { card: moving.card.id, column: columnId, position, version: moving.card.version });
    }
  });
  root.addEventListener("dragend", () => {
    for (const node of root.querySelectorAll(".dragging")) node.classList.remove("dragging");
    clear();
    moving = null;
  });
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let root = parentElement.querySelector(".root");
  if (!root) {
    root = element("div", "root");
    parentElement.append(root);
    listen(root);
  }
  const signature = JSON.stringify(data);
  const before = drawn.get(root);
  drawn.set(root, { signature, data, send: setTriggerValue });
  if (!before || before.signature !== signature || root.querySelector(".pending")) {
    draw(root, data);
  }
}
