/*
 * kdc-groupcomm: rekeying (RFC 9594 section 6) and member removal
 * (section 5).
 */
#include <stdio.h>
#include <string.h>

#include "kdc_internal.h"

int kdc_rekey_group(struct kdc_state *k, struct kdc_group *g, int reason)
{
  uint64_t version = 0;
  int64_t exp = g->lifetime > 0 ? kdc_now(k) + g->lifetime : 0;

  if (!k->store->begin(k->store_p.state))
    return 0;
  if (!k->ap->group_rekey(k->ap_p.state, g->name, exp, &version)) {
    kdc_log(k, GKDC_LOG_ERR, "group %s: rekey failed: %s", g->name,
            k->store->last_error_detail(k->store_p.state));
    kdc_rollback(k);
    return 0;
  }
  if (!kdc_commit(k))
    return 0;
  {
    struct gkdc_store_group *rec = NULL;
    char gid[2 * 16 + 1] = "";

    if (kdc_group_load(k, g, &rec)) {
      size_t i;

      for (i = 0; i < rec->gid.len && i < 16; i++)
        snprintf(gid + 2 * i, 3, "%02x", rec->gid.ptr[i]);
      k->store->record_free(k->store_p.state, rec);
    }
    kdc_log(k, GKDC_LOG_NOTICE, "group %s: rekeyed to version %llu with Gid %s (reason %d)",
            g->name, (unsigned long long)version, gid, reason);
  }

  /* Point-to-Point delivery to the observers of the group resource. */
  if (GKDC_HAS_OP(k->host, notify))
    k->host->notify(k->self, g->path);
  return 1;
}

/* Seconds before `exp` at which the material counts as expired: a tenth
 * of the lifetime, at most a minute, so that a recipient gets some use of
 * it and a short lifetime does not rekey at every request. */
static int64_t expiry_margin(const struct kdc_group *g)
{
  int64_t m = g->lifetime / 10;

  return m > 60 ? 60 : m;
}

int kdc_rekey_if_expired(struct kdc_state *k, struct kdc_group *g,
                         struct gkdc_store_group **rec)
{
  struct gkdc_store_group *fresh = NULL;

  if ((*rec)->exp <= 0 || kdc_now(k) < (*rec)->exp - expiry_margin(g))
    return 1;
  if (!kdc_rekey_group(k, g, GKDC_REKEY_EXPIRY) || !kdc_group_load(k, g, &fresh))
    return 0;
  k->store->record_free(k->store_p.state, *rec);
  *rec = fresh;
  return 1;
}

void kdc_expiry_tick(void *arg)
{
  struct kdc_state *k = arg;
  size_t i;

  for (i = 0; i < k->group_count; i++) {
    struct kdc_group *g = &k->groups[i];
    struct gkdc_store_group *rec = NULL;

    /* A group deleted at run time has no record: nothing to do. */
    if (!kdc_group_load(k, g, &rec))
      continue;
    if (!kdc_rekey_if_expired(k, g, &rec))
      kdc_log(k, GKDC_LOG_WARNING, "group %s: expired keying material not renewed; "
              "the next request tries again", g->name);
    k->store->record_free(k->store_p.state, rec);
  }
}

int kdc_member_remove(struct kdc_state *k, struct kdc_group *g,
                      const char *node_name, int forced)
{
  struct gkdc_store_member *m = NULL;
  struct gkdc_store_group *rec = NULL;
  struct gkdc_ap_member am;
  char path[KDC_PATH_MAX];
  int ok = 0;

  if (!k->store->begin(k->store_p.state))
    return 0;
  if (!k->store->group_get(k->store_p.state, g->name, &rec) ||
      !k->store->member_get(k->store_p.state, g->name, node_name, &m))
    goto out;

  memset(&am, 0, sizeof(am));
  am.size = sizeof(am);
  am.rec = m;
  if (!k->ap->member_leave(k->ap_p.state, rec, &am))
    goto out;
  if (m->has_sender_id &&
      !k->store->stale_add(k->store_p.state, g->name, m->sender_id.ptr, m->sender_id.len))
    goto out;
  if (!k->store->member_delete(k->store_p.state, g->name, node_name))
    goto out;
  ok = kdc_commit(k);
  if (ok)
    kdc_log(k, GKDC_LOG_INFO, "group %s: node %s %s", g->name, node_name,
            forced ? "evicted" : "left");
  if (ok && forced && m->token_id.len <= sizeof(g->evicted[0].token_id)) {
    struct kdc_evicted *ev = &g->evicted[g->evicted_next];

    snprintf(ev->node_name, sizeof(ev->node_name), "%s", node_name);
    memcpy(ev->token_id, m->token_id.ptr, m->token_id.len);
    ev->token_id_len = m->token_id.len;
    g->evicted_next = (g->evicted_next + 1) % KDC_EVICTED_MAX;
  }

out:
  if (!ok) {
    kdc_log(k, GKDC_LOG_ERR, "group %s: cannot remove node %s: %s", g->name, node_name,
            k->store->last_error_detail(k->store_p.state));
    kdc_rollback(k);
  }
  k->store->record_free(k->store_p.state, m);
  k->store->record_free(k->store_p.state, rec);

  /* Observers of the node resource learn that it is gone. */
  if (ok && forced && GKDC_HAS_OP(k->host, notify)) {
    snprintf(path, sizeof(path), "%s/nodes/%s", g->path, node_name);
    k->host->notify(k->self, path);
  }
  return ok;
}

int kdc_evicted_find(const struct kdc_group *g, const struct gkdc_bytes *node_name,
                     struct gkdc_bytes token_id)
{
  size_t i;

  for (i = 0; i < KDC_EVICTED_MAX; i++) {
    const struct kdc_evicted *ev = &g->evicted[i];

    if (ev->token_id_len > 0 && ev->token_id_len == token_id.len &&
        memcmp(ev->token_id, token_id.ptr, token_id.len) == 0 &&
        strlen(ev->node_name) == node_name->len &&
        memcmp(ev->node_name, node_name->ptr, node_name->len) == 0)
      return 1;
  }
  return 0;
}

void kdc_evicted_forget(struct kdc_group *g, struct gkdc_bytes token_id)
{
  size_t i;

  for (i = 0; i < KDC_EVICTED_MAX; i++) {
    struct kdc_evicted *ev = &g->evicted[i];

    if (ev->token_id_len == token_id.len &&
        memcmp(ev->token_id, token_id.ptr, token_id.len) == 0)
      memset(ev, 0, sizeof(*ev));
  }
}
