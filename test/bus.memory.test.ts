import { MemoryBus } from '../src/adapters/memory-bus/memory-bus.js';
import { busContract } from './contract/bus.contract.js';

// One process is one node in embedded mode, so both "nodes" share the same in-process bus.
busContract('memory', () => {
  const bus = new MemoryBus();
  return Promise.resolve({ a: bus, b: bus, dispose: () => bus.close() });
});
