import { z } from 'zod';
import { AppError } from '../../../domain/errors.js';
import { ErrorSchema } from '../../../protocol/schemas.js';
import { defineRoute } from '../route.js';

const tag = 'Cluster';
const NodeSchema = z.object({
  id: z.string(),
  url: z.string(),
  startedAt: z.number(),
  heartbeatAt: z.number(),
  connections: z.number(),
  draining: z.boolean(),
});

/** Discovery (rule K3): every node answers, so clients need no fixed entry point. */
export const discoveryRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/cluster',
    summary: 'Live nodes with their load, least loaded first; `self` is the node answering',
    tag,
    auth: false,
    responses: {
      200: {
        description: 'Nodes',
        schema: z.object({ self: z.string(), nodes: z.array(NodeSchema) }),
      },
    },
    handler: async ({ c, ctx }) =>
      c.json({ self: ctx.config.nodeId, nodes: await ctx.cluster.registry.liveNodes() }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/cluster/connect',
    summary:
      'The node a new client should connect to: the least-loaded healthy node that is not draining',
    tag,
    auth: false,
    responses: {
      200: {
        description: 'Where to connect',
        schema: z.object({ nodeId: z.string(), url: z.string() }),
      },
      503: { description: 'unavailable: no healthy node', schema: ErrorSchema },
    },
    async handler({ c, ctx }) {
      const node = await ctx.cluster.registry.pick();
      if (!node) throw new AppError('unavailable', 'no healthy node');
      return c.json({ nodeId: node.id, url: node.url });
    },
  }),
];
