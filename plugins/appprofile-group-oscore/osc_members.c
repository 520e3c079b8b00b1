/*
 * appprofile-group-oscore: Gids, Master Secrets and Sender IDs.
 *
 * A Gid is the group's prefix followed by an epoch (Group OSCORE,
 * Appendix C): every rekey takes the next epoch, and a Gid that any group
 * of the store ever used is skipped, so a Gid is never used twice. Sender
 * IDs come from the store, which never hands out one that was used since
 * the current Gid was set (members keep theirs across a rekey).
 */
#include <string.h>

#include "osc_internal.h"

/* How many used Gids a rekey skips before it gives up. */
#define GID_TRIES 256

static int store_failed(const struct osc_state *s, const char *what, const char *group)
{
  osc_log(s, GKDC_LOG_ERR, "group %s: %s: %s", group != NULL ? group : "?", what,
          s->store->last_error_detail(s->store_p.state));
  return 0;
}

static void put_epoch(uint8_t *p, size_t len, uint64_t epoch)
{
  size_t i;

  for (i = 0; i < len; i++)
    p[len - 1 - i] = (uint8_t)(epoch >> (8 * i));
}

int osc_gid_next(const uint8_t *gid, size_t gid_len, size_t epoch_len,
                 uint8_t *out, size_t *out_len)
{
  uint64_t epoch = 0;
  uint64_t max;
  size_t i;

  if (epoch_len == 0 || epoch_len > 4 || gid_len < epoch_len || gid_len > OSC_GID_MAX ||
      *out_len < gid_len)
    return 0;
  for (i = gid_len - epoch_len; i < gid_len; i++)
    epoch = (epoch << 8) | gid[i];
  max = (UINT64_C(1) << (8 * epoch_len)) - 1;
  if (epoch >= max)
    return 0;
  memcpy(out, gid, gid_len - epoch_len);
  put_epoch(out + gid_len - epoch_len, epoch_len, epoch + 1);
  *out_len = gid_len;
  return 1;
}

/* Finds the first Gid from `gid` on that no group used; advances `gid`. */
static int gid_unused(const struct osc_state *s, uint8_t *gid, size_t *gid_len,
                      size_t epoch_len, int first_is_candidate)
{
  int tries;
  int used = 0;

  for (tries = 0; tries < GID_TRIES; tries++) {
    if (tries > 0 || !first_is_candidate) {
      uint8_t next[OSC_GID_MAX];
      size_t next_len = sizeof(next);

      if (!osc_gid_next(gid, *gid_len, epoch_len, next, &next_len))
        return 0;
      memcpy(gid, next, next_len);
    }
    if (!s->store->gid_is_used(s->store_p.state, gid, *gid_len, &used))
      return 0;
    if (!used)
      return 1;
  }
  return 0;
}

int osc_group_create(void *st, const struct gkdc_store_group *settings,
                     uint64_t *version)
{
  struct osc_state *s = st;
  struct osc_cfg c;
  struct gkdc_ap_fail fail;
  struct gkdc_store_group g;
  uint8_t gid[OSC_GID_MAX];
  size_t gid_len;
  uint8_t ms[OSC_MS_LEN], salt[OSC_SALT_LEN];
  int ok = 0;

  if (settings == NULL || settings->name == NULL ||
      !osc_cfg_decode(s, settings->name, settings->config.ptr, settings->config.len, &c,
                      &fail))
    return 0;
  g = *settings;

  /* The first Gid: the prefix (configured, else random) and the first epoch. */
  if (settings->gid.len > 0) {
    if (settings->gid.len > OSC_GID_MAX)
      return 0;
    memcpy(gid, settings->gid.ptr, settings->gid.len);
    gid_len = settings->gid.len;
  } else {
    if (c.has_prefix) {
      memcpy(gid, c.prefix, c.prefix_len);
      gid_len = c.prefix_len;
    } else {
      gid_len = OSC_GID_PREFIX_DEFAULT_LEN;
      if (!osc_random(s, gid, gid_len)) {
        osc_log(s, GKDC_LOG_ERR, "group %s: no random source for the Gid prefix",
                settings->name);
        return 0;
      }
    }
    put_epoch(gid + gid_len, c.epoch_len, c.epoch_start);
    gid_len += c.epoch_len;
  }
  if (!gid_unused(s, gid, &gid_len, c.epoch_len, 1)) {
    osc_log(s, GKDC_LOG_ERR, "group %s: no unused Gid with this prefix and epoch length",
            settings->name);
    return 0;
  }
  g.gid.ptr = gid;
  g.gid.len = gid_len;

  /* Master Secret and Master Salt: configured (tests, interop) or fresh. */
  if (settings->master_secret.len > 0) {
    g.master_secret = settings->master_secret;
  } else if (c.has_ms) {
    g.master_secret = c.ms;
  } else {
    if (!osc_random(s, ms, sizeof(ms)))
      goto out;
    g.master_secret.ptr = ms;
    g.master_secret.len = sizeof(ms);
  }
  if (settings->master_salt.len > 0) {
    g.master_salt = settings->master_salt;
  } else if (c.has_salt) {
    g.master_salt = c.salt;
  } else {
    if (!osc_random(s, salt, sizeof(salt)))
      goto out;
    g.master_salt.ptr = salt;
    g.master_salt.len = sizeof(salt);
  }
  if (g.max_stale_sets == 0)
    g.max_stale_sets = c.max_stale_sets;

  if (!s->store->group_create(s->store_p.state, &g, version)) {
    store_failed(s, "cannot create the group", settings->name);
    goto out;
  }
  osc_log(s, GKDC_LOG_NOTICE, "group %s: created with a Gid of %zu bytes", settings->name,
          gid_len);
  ok = 1;

out:
  gkdc_wipe(ms, sizeof(ms));
  gkdc_wipe(salt, sizeof(salt));
  return ok;
}

int osc_group_rekey(void *st, const char *name, int64_t exp, uint64_t *version)
{
  struct osc_state *s = st;
  struct gkdc_store_group *g = NULL;
  struct osc_cfg c;
  uint8_t gid[OSC_GID_MAX];
  size_t gid_len;
  uint8_t ms[64], salt[64];
  size_t ms_len, salt_len;
  int ok = 0;

  if (!s->store->group_get(s->store_p.state, name, &g))
    return store_failed(s, "cannot read the group for a rekey", name);
  if (!osc_cfg_of_group(s, g, &c) || g->gid.len > OSC_GID_MAX || g->gid.len < c.epoch_len)
    goto out;

  memcpy(gid, g->gid.ptr, g->gid.len);
  gid_len = g->gid.len;
  if (!gid_unused(s, gid, &gid_len, c.epoch_len, 0)) {
    osc_log(s, GKDC_LOG_ERR, "group %s: no unused Gid is left with this prefix; Gids are "
            "never reused, so the group cannot be rekeyed", name);
    goto out;
  }

  ms_len = g->master_secret.len < OSC_MS_LEN ? OSC_MS_LEN : g->master_secret.len;
  salt_len = g->master_salt.len;
  if (ms_len > sizeof(ms) || salt_len > sizeof(salt) || !osc_random(s, ms, ms_len) ||
      (salt_len > 0 && !osc_random(s, salt, salt_len)))
    goto out;
  if (!s->store->group_rekey(s->store_p.state, name, gid, gid_len, ms, ms_len, salt, salt_len,
                             exp, version)) {
    store_failed(s, "cannot store the new keying material", name);
    goto out;
  }
  ok = 1;

out:
  gkdc_wipe(ms, sizeof(ms));
  gkdc_wipe(salt, sizeof(salt));
  s->store->record_free(s->store_p.state, g);
  return ok;
}

/*
 * Allocates a Sender ID for a node of `group` into node_id (capacity
 * *node_id_len): the group's preferred Sender IDs first, then the store's
 * order. 5.03 with error 4 when none is left.
 */
static int sid_new(struct osc_state *s, const struct gkdc_store_group *group,
                   uint8_t *node_id, size_t *node_id_len, struct gkdc_ap_fail *fail)
{
  struct osc_cfg c;
  size_t max;
  size_t i;

  if (!osc_cfg_of_group(s, group, &c)) {
    osc_fail(s, fail, GKDC_CODE(5, 0), -1, "group %s: invalid stored configuration", group->name);
    return 0;
  }
  max = osc_sid_max_len(s, group, &c);
  for (i = 0; i < c.sender_id_count; i++) {
    struct gkdc_bytes id = c.sender_ids[i];

    if (id.len > max || id.len > *node_id_len)
      continue;
    if (s->store->sid_claim(s->store_p.state, group->name, id.ptr, id.len)) {
      memcpy(node_id, id.ptr, id.len);
      *node_id_len = id.len;
      return 1;
    }
    if (s->store->last_error(s->store_p.state) != GKDC_STORE_E_USED)
      break;
  }
  if (s->store->sid_allocate(s->store_p.state, group->name, max, node_id, *node_id_len,
                             node_id_len))
    return 1;
  if (s->store->last_error(s->store_p.state) == GKDC_STORE_E_EXHAUSTED) {
    osc_fail(s, fail, GKDC_CODE(5, 3), GKDC_GC_ERR_NO_INDIVIDUAL_KEYS,
             "no Sender ID of at most %zu bytes is left under the current Gid", max);
    osc_log(s, GKDC_LOG_WARNING, "group %s: %s", group->name, s->detail);
    return 0;
  }
  osc_fail(s, fail, GKDC_CODE(5, 0), -1, "cannot allocate a Sender ID");
  return store_failed(s, "cannot allocate a Sender ID", group->name);
}

/* Puts a member's current Sender ID into the current stale set. */
static int sid_retire(struct osc_state *s, const struct gkdc_store_group *group,
                      const struct gkdc_ap_member *member)
{
  const struct gkdc_store_member *m = member != NULL ? member->rec : NULL;

  if (m == NULL || !m->has_sender_id || m->sender_id.len == 0)
    return 1;
  if (!s->store->stale_add(s->store_p.state, group->name, m->sender_id.ptr, m->sender_id.len))
    return store_failed(s, "cannot add a Sender ID to the stale set", group->name);
  return 1;
}

int osc_member_join(void *st, const struct gkdc_store_group *group,
                    const struct gkdc_ap_member *previous, uint64_t roles,
                    uint8_t *node_id, size_t *node_id_len,
                    struct gkdc_ap_fail *fail)
{
  struct osc_state *s = st;

  if (group == NULL || node_id_len == NULL)
    return 0;
  if (!(group->flags & GKDC_STORE_GROUP_ACTIVE)) {
    osc_fail(s, fail, GKDC_CODE(5, 3), GKDC_OSC_ERR_GROUP_INACTIVE, "group currently not active");
    return 0;
  }
  if (!osc_roles_valid_for_join(roles)) {
    osc_fail(s, fail, GKDC_CODE(4, 0), -1, "invalid role set %llu", (unsigned long long)roles);
    return 0;
  }

  /* Monitors get no Sender ID. */
  if (!osc_roles_need_cred(st, roles)) {
    if (!sid_retire(s, group, previous)) {
      osc_fail(s, fail, GKDC_CODE(5, 0), -1, "store failure");
      return 0;
    }
    *node_id_len = 0;
    return 1;
  }
  if (!sid_new(s, group, node_id, node_id_len, fail))
    return 0;
  if (!sid_retire(s, group, previous)) {
    osc_fail(s, fail, GKDC_CODE(5, 0), -1, "store failure");
    return 0;
  }
  return 1;
}

int osc_member_leave(void *st, const struct gkdc_store_group *group,
                     const struct gkdc_ap_member *member)
{
  return sid_retire(st, group, member);
}

int osc_member_renew(void *st, const struct gkdc_store_group *group,
                     const struct gkdc_ap_member *member, uint8_t *node_id,
                     size_t *node_id_len, struct gkdc_ap_fail *fail)
{
  struct osc_state *s = st;

  if (group == NULL || member == NULL || member->rec == NULL)
    return 0;
  if (!(group->flags & GKDC_STORE_GROUP_ACTIVE)) {
    osc_fail(s, fail, GKDC_CODE(5, 3), GKDC_OSC_ERR_GROUP_INACTIVE, "group currently not active");
    return 0;
  }
  if (!osc_roles_need_cred(st, member->rec->roles)) {
    osc_fail(s, fail, GKDC_CODE(4, 0), GKDC_GC_ERR_ROLES_INCONSISTENT,
             "a Monitor has no Sender ID to renew");
    return 0;
  }
  return osc_member_join(st, group, member, member->rec->roles, node_id, node_id_len, fail);
}

/* 1 when an Ed25519 public key encodes y = 1 or y = -1 (mod p), which has
 * no Montgomery (X25519) counterpart. */
static int ed25519_y_is_one(const uint8_t pub[32])
{
  static const uint8_t minus_one[32] = {
      0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
  uint8_t y[32];
  int one = 1;
  size_t i;

  memcpy(y, pub, 32);
  y[31] &= 0x7f; /* the sign bit of x */
  for (i = 1; i < 32; i++)
    one &= y[i] == 0;
  return (one && y[0] == 1) || memcmp(y, minus_one, 32) == 0;
}

int osc_cred_check(void *st, const struct gkdc_store_group *group,
                   const struct gkdc_cred_info *cred, struct gkdc_ap_fail *fail)
{
  struct osc_state *s = st;
  int32_t kty = 0, crv = 0;

  if (group == NULL || cred == NULL)
    return 0;
  if (cred->cred_fmt != group->cred_fmt) {
    osc_fail(s, fail, GKDC_CODE(4, 0), GKDC_GC_ERR_CRED_INCOMPATIBLE,
             "credential format %lld, the group uses %lld", (long long)cred->cred_fmt,
             (long long)group->cred_fmt);
    return 0;
  }
  if (group->flags & GKDC_STORE_GROUP_MODE) {
    if (!osc_params_key(group->sign_params, &kty, &crv) || cred->kty != kty || cred->curve != crv) {
      osc_fail(s, fail, GKDC_CODE(4, 0), GKDC_GC_ERR_CRED_INCOMPATIBLE,
               "credential key type %d curve %d, the group signs with key type %d curve %d",
               cred->kty, cred->curve, kty, crv);
      return 0;
    }
  } else if (!osc_params_key(group->ecdh_params, &kty, &crv) || cred->kty != kty ||
             cred->curve != crv) {
    osc_fail(s, fail, GKDC_CODE(4, 0), GKDC_GC_ERR_CRED_INCOMPATIBLE,
             "credential key type %d curve %d, the group agrees keys with key type %d curve %d",
             cred->kty, cred->curve, kty, crv);
    return 0;
  }

  /* The pairwise mode maps Ed25519 keys to X25519 (Group OSCORE 2.5.1). */
  if ((group->flags & GKDC_STORE_GROUP_PAIRWISE_MODE) && cred->curve == GKDC_COSE_CRV_ED25519 &&
      (cred->pub.len != 32 || ed25519_y_is_one(cred->pub.ptr))) {
    osc_fail(s, fail, GKDC_CODE(4, 0), GKDC_GC_ERR_CRED_INCOMPATIBLE,
             "Ed25519 key with y = 1 or -1 has no X25519 form for the pairwise mode");
    return 0;
  }
  return 1;
}
