/**
 * Just enough of a DOM for Preact to mount an island and update it, in
 * Deno, which has none: elements, text, attributes, events. Layout,
 * selectors and CSS are not here; what needs them is for the browser test.
 *
 * @module
 */

const HTML = "http://www.w3.org/1999/xhtml";

/** A node: an element or a text. */
export class SmallNode {
  parentNode: SmallElement | null = null;
  readonly childNodes: SmallNode[] = [];
  constructor(readonly nodeType: number, readonly ownerDocument: SmallDocument) {}

  get firstChild(): SmallNode | null {
    return this.childNodes[0] ?? null;
  }

  get nextSibling(): SmallNode | null {
    const siblings = this.parentNode?.childNodes;
    if (!siblings) return null;
    return siblings[siblings.indexOf(this) + 1] ?? null;
  }

  remove(): void {
    this.parentNode?.removeChild(this);
  }
}

/** A text node. */
export class SmallText extends SmallNode {
  constructor(public data: string, document: SmallDocument) {
    super(3, document);
  }
}

type Listener = (this: SmallElement, event: SmallEvent) => void;

/** An event as handlers read it. */
export interface SmallEvent {
  type: string;
  target: SmallElement;
  currentTarget: SmallElement;
  key?: string;
  preventDefault(): void;
}

/** An element. */
export class SmallElement extends SmallNode {
  readonly attributes = new Map<string, string>();
  readonly style = { cssText: "", setProperty() {} };
  readonly listeners = new Map<string, Set<Listener>>();
  readonly namespaceURI = HTML;
  constructor(readonly localName: string, document: SmallDocument) {
    super(1, document);
  }

  insertBefore(node: SmallNode, before: SmallNode | null): SmallNode {
    node.parentNode?.removeChild(node);
    const index = before ? this.childNodes.indexOf(before) : -1;
    if (index === -1) this.childNodes.push(node);
    else this.childNodes.splice(index, 0, node);
    node.parentNode = this;
    return node;
  }

  appendChild(node: SmallNode): SmallNode {
    return this.insertBefore(node, null);
  }

  removeChild(node: SmallNode): SmallNode {
    const index = this.childNodes.indexOf(node);
    if (index !== -1) this.childNodes.splice(index, 1);
    node.parentNode = null;
    return node;
  }

  setAttribute(name: string, value: unknown): void {
    this.attributes.set(name, String(value));
  }

  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }

  removeAttribute(name: string): void {
    this.attributes.delete(name);
  }

  addEventListener(type: string, listener: Listener): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener);
  }

  focus(): void {}

  scrollTo(): void {}

  /** Calls this element's own listeners of `type` (no bubbling). */
  fire(type: string, init: { key?: string } = {}): void {
    const event: SmallEvent = { type, target: this, currentTarget: this, ...init, preventDefault() {} };
    for (const listener of [...this.listeners.get(type) ?? []]) listener.call(this, event);
  }

  /** Every element under this one (itself included) named `localName`. */
  all(localName: string): SmallElement[] {
    const found: SmallElement[] = this.localName === localName ? [this] : [];
    for (const child of this.childNodes) {
      if (child instanceof SmallElement) found.push(...child.all(localName));
    }
    return found;
  }

  /** The text inside. */
  get textContent(): string {
    return this.childNodes.map((c) => c instanceof SmallText ? c.data : (c as SmallElement).textContent)
      .join("");
  }
}

/** The document: creates nodes, and listens like `document` does. */
export class SmallDocument {
  readonly nodeType = 9;
  visibilityState = "visible";
  readonly body: SmallElement = new SmallElement("body", this);
  readonly documentElement = this.body;

  createElementNS(_namespace: string, name: string): SmallElement {
    return new SmallElement(name, this);
  }

  createElement(name: string): SmallElement {
    return new SmallElement(name, this);
  }

  createTextNode(data: string): SmallText {
    return new SmallText(data, this);
  }

  addEventListener(): void {}

  removeEventListener(): void {}

  querySelector(): null {
    return null;
  }
}
