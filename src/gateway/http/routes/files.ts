import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { z } from 'zod';
import { AppError, isAppError } from '../../../domain/errors.js';
import { FILE_NAME_MAX } from '../../../domain/limits.js';
import { AttachmentSchema, ErrorSchema, identifier } from '../../../protocol/schemas.js';
import type { FileDownload } from '../../../services/attachments.js';
import type { AppEnv } from '../context.js';
import { defineRoute } from '../route.js';

const tag = 'Files';
/** The upload route: its body is the file's raw bytes, exempt from the JSON body rules (S8). */
export const UPLOAD_PATH = '/api/v1/files';
const FilePath = z.object({ id: identifier() });
const UploadQuery = z.object({
  /** The file's name, URL-encoded (rule F1); checked by the service. */
  name: z.string().max(FILE_NAME_MAX * 4),
});
const DownloadQuery = z.object({ download: z.enum(['0', '1']).optional() });
const One = z.object({ file: AttachmentSchema });
const Storage = z.object({
  usedBytes: z.number().int(),
  quotaBytes: z.number().int(),
  maxUploadBytes: z.number().int(),
});
const notFound = {
  description: 'not_found (missing, or not yours to read: same answer)',
  schema: ErrorSchema,
};
/** Types a browser may show inline (rule F6); every other file is served as a download. */
const INLINE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

/** Uploads, downloads and storage of files (rules F1-F9). */
export const fileRoutes = [
  defineRoute({
    method: 'post',
    path: UPLOAD_PATH,
    summary:
      "Upload a file: the body is the file's raw bytes (not multipart), streamed; Content-Type is a " +
      'hint only, the stored type is sniffed from the bytes. At most maxUploadBytes (GET /api/v1/me/storage) ' +
      'and within your quota. Unattached until a send lists its id (rules F1-F5)',
    tag,
    auth: true,
    query: UploadQuery,
    rawBody: {
      contentType: 'application/octet-stream',
      description: "The file's bytes, any type (sent as is; the node sniffs the type)",
    },
    responses: {
      201: { description: 'Stored, unattached', schema: One },
      400: {
        description: 'invalid_request (empty file; missing, blank, too long or multi-line name)',
        schema: ErrorSchema,
      },
      413: {
        description:
          'payload_too_large (details.max: bytes) or quota_exceeded (details.quota, details.used)',
        schema: ErrorSchema,
      },
      429: { description: 'rate_limited', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, query }) {
      const incoming = c.env.incoming;
      const declared = declaredLength(incoming);
      try {
        const file = await ctx.files.upload(principal.user, {
          name: query.name,
          declaredBytes: declared,
          body: incoming,
        });
        return c.json({ file }, 201);
      } catch (err) {
        // A refusal before the body was read leaves it unread: the connection cannot be reused.
        if (!incoming.complete) c.header('connection', 'close');
        if (isAppError(err) || !incoming.destroyed) throw err;
        throw new AppError('invalid_request', 'the upload was interrupted', { cause: err });
      }
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/files/:id',
    params: FilePath,
    query: DownloadQuery,
    summary:
      "A file's bytes, as its uploader (while unattached) or a member of its message's conversation " +
      'may read them. Images are shown inline, everything else (and ?download=1) is an attachment; ' +
      'served with nosniff and a sandbox CSP, cacheable forever (a file never changes)',
    tag,
    auth: true,
    responses: {
      200: { description: 'The bytes (Content-Type: the sniffed type)' },
      404: notFound,
    },
    async handler({ c, ctx, principal, params, query }) {
      const file = await ctx.files.download(principal.user, params.id);
      const inline = INLINE_TYPES.has(file.contentType) && query.download !== '1';
      return serve(c, file, inline);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/files/:id/thumbnail',
    params: FilePath,
    summary: "An image's thumbnail (WebP, inside 400x400), same readers as the file",
    tag,
    auth: true,
    responses: {
      200: { description: 'The thumbnail (image/webp)' },
      404: { description: 'not_found (also: the file has no thumbnail)', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, params }) {
      return serve(c, await ctx.files.thumbnail(principal.user, params.id), true);
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/files/:id',
    params: FilePath,
    summary: 'Delete an unattached upload of yours (an attached file goes with its message)',
    tag,
    auth: true,
    responses: {
      204: { description: 'Deleted' },
      404: notFound,
      409: { description: 'conflict (the file is attached to a message)', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, params }) {
      await ctx.files.remove(principal.user, params.id);
      return c.body(null, 204);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/me/storage',
    summary:
      'Your stored bytes (attached and unattached files), your quota and the largest upload, so a ' +
      'client can refuse an oversize file before sending it',
    tag,
    auth: true,
    responses: { 200: { description: 'Storage', schema: Storage } },
    handler: async ({ c, ctx, principal }) => c.json(await ctx.files.storage(principal.user)),
  }),
];

/** Content-Length as a number; null when absent (chunked); a malformed one is refused. */
function declaredLength(incoming: IncomingMessage): number | null {
  const header = incoming.headers['content-length'];
  if (header === undefined) return null;
  if (!/^\d{1,16}$/.test(header))
    throw new AppError('invalid_request', 'Content-Length must be a number');
  return Number(header);
}

/** Streams a file with the headers of rule F6. */
function serve(c: Context<AppEnv>, file: FileDownload, inline: boolean): Response {
  const chunks = file.chunks[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await chunks.return?.();
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': file.contentType,
      'content-length': String(file.size),
      'content-disposition': inline
        ? 'inline'
        : `attachment; filename*=UTF-8''${encodeRfc5987(file.attachment.name)}`,
      'x-content-type-options': 'nosniff',
      // A file opened directly runs no script and loads nothing, whatever it holds.
      'content-security-policy': "sandbox; default-src 'none'",
      'cache-control': 'private, max-age=31536000, immutable',
    },
  });
}

/** RFC 5987 `ext-value` encoding (percent-encoded UTF-8, attr-char kept). */
function encodeRfc5987(name: string): string {
  return encodeURIComponent(name).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
