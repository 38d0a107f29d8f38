/** Signing keys (`/system/v1/signing-keys`) for signed playback. */

import { WholeListQuery } from '../../core/usecases/listing.js';
import {
  createSigningKey,
  deleteSigningKey,
  getSigningKey,
  listSigningKeys,
} from '../../core/usecases/signing-keys.js';
import { keyScope, type Route, route } from './route.js';

const tag = 'Signing keys';

export const signingKeyRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: '/system/v1/signing-keys',
    permission: 'system:write',
    summary: 'Create a signing key',
    tag,
    status: 201,
    returns: 'the key with `private_key` (base64 PEM), shown only here',
    run: (req) => createSigningKey(keyScope(req)),
  }),
  route({
    method: 'GET',
    path: '/system/v1/signing-keys',
    permission: 'system:read',
    summary: 'List signing keys',
    tag,
    status: 200,
    list: true,
    returns: 'the keys (ids and creation times)',
    query: WholeListQuery,
    run: (req) => listSigningKeys(req.query, keyScope(req)),
  }),
  route({
    method: 'GET',
    path: '/system/v1/signing-keys/{SIGNING_KEY_ID}',
    permission: 'system:read',
    summary: 'Retrieve a signing key',
    tag,
    status: 200,
    returns: 'the key (id and creation time)',
    run: (req) => getSigningKey(req.params.SIGNING_KEY_ID, keyScope(req)),
  }),
  route({
    method: 'DELETE',
    path: '/system/v1/signing-keys/{SIGNING_KEY_ID}',
    permission: 'system:write',
    summary: 'Delete a signing key',
    tag,
    status: 204,
    run: (req) => deleteSigningKey(req.params.SIGNING_KEY_ID, keyScope(req)),
  }),
];
