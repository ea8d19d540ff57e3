import { useEffect, useState } from 'preact/hooks';
import type { ChatStore } from './chat-store.js';

/** Re-renders the calling component whenever the store changes. */
export function useStore(store: ChatStore): void {
  const [, setTick] = useState(0);
  useEffect(() => store.subscribe(() => setTick((n) => n + 1)), [store]);
}
