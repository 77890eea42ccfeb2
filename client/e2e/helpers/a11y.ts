import type { Locator, Page } from 'playwright-core';

/** Roles a user operates; each must have a name a screen reader can announce. */
const INTERACTIVE = new Set([
  'button',
  'link',
  'textbox',
  'searchbox',
  'combobox',
  'listbox',
  'switch',
  'checkbox',
  'radio',
  'menuitem',
  'tab',
  'slider',
  'spinbutton',
]);

interface AXValue {
  value?: unknown;
}
interface AXNode {
  nodeId: string;
  ignored: boolean;
  role?: AXValue;
  name?: AXValue;
  backendDOMNodeId?: number;
}

/**
 * Reads Chromium's accessibility tree for the current page and returns every interactive
 * control without an accessible name (as "role <outerHTML excerpt>").
 */
export async function unnamedControls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: AXNode[] };
    const bad: string[] = [];
    for (const node of nodes) {
      const role = typeof node.role?.value === 'string' ? node.role.value : '';
      if (node.ignored || !INTERACTIVE.has(role)) continue;
      const name = typeof node.name?.value === 'string' ? node.name.value.trim() : '';
      if (name) continue;
      let html = '';
      if (node.backendDOMNodeId !== undefined) {
        const { object } = (await cdp.send('DOM.resolveNode', { backendNodeId: node.backendDOMNodeId })) as {
          object: { objectId?: string };
        };
        if (object.objectId) {
          const res = (await cdp.send('Runtime.callFunctionOn', {
            objectId: object.objectId,
            functionDeclaration: 'function () { return this.outerHTML ? this.outerHTML.slice(0, 160) : String(this); }',
            returnByValue: true,
          })) as { result: { value?: unknown } };
          html = typeof res.result.value === 'string' ? res.result.value : '';
        }
      }
      bad.push(`${role} ${html}`);
    }
    return bad;
  } finally {
    await cdp.detach();
  }
}

/** The fields of a form lacking a visible <label> element (placeholders and aria-labels don't count). */
export function unlabelledFields(form: Locator): Promise<string[]> {
  return form.locator('input, select, textarea').evaluateAll((els) =>
    els
      .filter((el) => {
        const labels = Array.from((el as HTMLInputElement).labels ?? new Set<HTMLLabelElement>());
        return el.hasAttribute('aria-label') || !labels.some((l) => l.innerText.trim() !== '');
      })
      .map((el) => el.getAttribute('name') ?? el.outerHTML.slice(0, 60)),
  );
}
