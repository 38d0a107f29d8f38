/** Playback restrictions (`/video/v1/playback-restrictions`, Mux's paths): which pages and agents may play. */
import { WholeListQuery } from '../../core/usecases/listing.js';
import {
  CreatePlaybackRestrictionInput,
  createPlaybackRestriction,
  deletePlaybackRestriction,
  getPlaybackRestriction,
  listPlaybackRestrictions,
  ReferrerInput,
  UserAgentInput,
  updateReferrer,
  updateUserAgent,
} from '../../core/usecases/playback-restrictions.js';
import { type Route, restrictionScope, route } from './route.js';

const tag = 'Playback restrictions';
const ONE = '/video/v1/playback-restrictions/{PLAYBACK_RESTRICTION_ID}';
const restriction = 'the playback restriction (`id`, `created_at`, `updated_at`, `referrer`, `user_agent`)';

export const playbackRestrictionRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: '/video/v1/playback-restrictions',
    permission: 'video:write',
    summary: 'Create a playback restriction (applied to signed playback whose token names it)',
    tag,
    body: CreatePlaybackRestrictionInput,
    status: 201,
    returns: restriction,
    run: (req) => createPlaybackRestriction(req.body, restrictionScope(req)),
  }),
  route({
    method: 'GET',
    path: '/video/v1/playback-restrictions',
    permission: 'video:read',
    summary: 'List playback restrictions, newest first',
    tag,
    query: WholeListQuery,
    status: 200,
    list: true,
    returns: 'a page of playback restrictions (`limit`, `page`)',
    run: (req) => listPlaybackRestrictions(req.query, restrictionScope(req)),
  }),
  route({
    method: 'GET',
    path: ONE,
    permission: 'video:read',
    summary: 'Retrieve a playback restriction',
    tag,
    status: 200,
    returns: restriction,
    run: (req) => getPlaybackRestriction(req.params.PLAYBACK_RESTRICTION_ID, restrictionScope(req)),
  }),
  route({
    method: 'DELETE',
    path: ONE,
    permission: 'video:write',
    summary: 'Delete a playback restriction (tokens naming it are refused from then on)',
    tag,
    status: 204,
    run: (req) => deletePlaybackRestriction(req.params.PLAYBACK_RESTRICTION_ID, restrictionScope(req)),
  }),
  route({
    method: 'PUT',
    path: `${ONE}/referrer`,
    permission: 'video:write',
    summary: 'Replace the referrer rule (`allowed_domains`, `allow_no_referrer`)',
    tag,
    body: ReferrerInput,
    status: 200,
    returns: restriction,
    run: (req) => updateReferrer(req.params.PLAYBACK_RESTRICTION_ID, req.body, restrictionScope(req)),
  }),
  route({
    method: 'PUT',
    path: `${ONE}/user_agent`,
    permission: 'video:write',
    summary: 'Replace the user-agent rule (`allow_no_user_agent`, `allow_high_risk_user_agent`)',
    tag,
    body: UserAgentInput,
    status: 200,
    returns: restriction,
    run: (req) => updateUserAgent(req.params.PLAYBACK_RESTRICTION_ID, req.body, restrictionScope(req)),
  }),
];
