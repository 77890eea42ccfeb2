import { createStore } from './store';

export type ToastKind = 'info' | 'success' | 'error' | 'approval';

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  body?: string;
  /** Where clicking the toast's link goes, e.g. the approvals queue. */
  href?: string;
}

export const toastStore = createStore<Toast[]>([]);
let nextId = 1;

/** Shows a toast for a few seconds (errors stay longer: they need reading). */
export function toast(t: Omit<Toast, 'id'>): void {
  const id = nextId++;
  toastStore.set((list) => [...list.slice(-4), { ...t, id }]);
  setTimeout(() => dismissToast(id), t.kind === 'error' ? 8000 : 5000);
}

export function dismissToast(id: number): void {
  toastStore.set((list) => list.filter((t) => t.id !== id));
}
