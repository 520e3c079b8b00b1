/*
 * The node operations of `gkdc join` after the join (new Sender ID, new
 * credential, leave), the Verifier flow, and gkdc_join_group_run().
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gkdc/appprofile.h>
#include <gkdc/cbor.h>
#include <gkdc/pop.h>

#include "internal.h"
#include "join_group_internal.h"

/* Writes ROOT/GROUP/nodes/NODE[/cred] to `out`. */
static int node_path(const gkdc_join_group *j, const char *node, int cred, char *out, size_t cap)
{
  char suffix[JG_NAME_MAX + 16];

  if (node == NULL || node[0] == '\0' || strlen(node) >= JG_NAME_MAX ||
      strchr(node, '/') != NULL) {
    fprintf(stderr, "gkdc join: the node operations need the node name (--node NAME)\n");
    return 0;
  }
  snprintf(suffix, sizeof(suffix), "nodes/%s%s", node, cred ? "/cred" : "");
  return jg_path(j, suffix, out, cap);
}

static int need_context(const gkdc_join_group *j, const char *what)
{
  if (j->ctx != NULL)
    return 1;
  fprintf(stderr, "gkdc join: %s needs a joined Group OSCORE context\n", what);
  return 0;
}

/* ---- Verifier ---- */

/* Reads sign_enc_key (33) from a /verif-data response. */
static int sign_enc_key_get(const uint8_t *payload, size_t len, struct gkdc_bytes *out)
{
  struct gkdc_cbor_dec d, v;

  return gkdc_cbor_dec_init(&d, payload, len, NULL) == GKDC_CBOR_OK &&
         gkdc_cbor_dec_enter_map(&d, NULL) &&
         gkdc_cbor_dec_map_find_int(&d, GKDC_OSC_SIGN_ENC_KEY, &v) &&
         gkdc_cbor_dec_get_bstr(&v, out) && out->len > 0;
}

/* FETCH .../kdc-cred with a fresh cnonce and checks the signature. */
static int verifier_kdc_cred(gkdc_join_group *j, const struct gkdc_groupctx_material *m)
{
  char path[JG_PATH_MAX];
  uint8_t req[32];
  size_t req_len = 0;
  struct gkdc_cbor_enc e;
  struct gkdc_tool_reply reply;
  struct gkdc_cbor_dec d, v;
  struct gkdc_bytes kdc_cred, kdc_nonce, evidence;
  struct gkdc_bytes n_c = {j->n_c, sizeof(j->n_c)};
  struct jg_cred kdc;
  int ok = 0;

  if (!jg_path(j, "kdc-cred", path, sizeof(path)) || !jg_random(j->n_c, sizeof(j->n_c)))
    return 0;
  gkdc_cbor_enc_init(&e, req, sizeof(req));
  gkdc_cbor_enc_put_map(&e, 1);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_CNONCE);
  gkdc_cbor_enc_put_bstr(&e, j->n_c, sizeof(j->n_c));
  if (gkdc_cbor_enc_finish(&e, &req_len) != GKDC_CBOR_OK)
    return 0;
  if (!jg_request(j, GKDC_FETCH, path, req, req_len, &reply))
    return 0;
  if (GKDC_CODE_CLASS(reply.code) != 2) {
    jg_print_error("FETCH kdc-cred", &reply);
    gkdc_tool_reply_clear(&reply);
    return 0;
  }

  memset(&kdc, 0, sizeof(kdc));
  if (gkdc_cbor_dec_init(&d, reply.payload, reply.payload_len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL) ||
      !gkdc_cbor_dec_map_find_int(&d, GKDC_GC_KDC_CRED, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &kdc_cred) ||
      !gkdc_cbor_dec_map_find_int(&d, GKDC_GC_KDC_NONCE, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &kdc_nonce) ||
      !gkdc_cbor_dec_map_find_int(&d, GKDC_GC_KDC_CRED_VERIFY, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &evidence)) {
    fprintf(stderr, "gkdc join: the kdc-cred response lacks kdc_cred, kdc_nonce or "
                    "kdc_cred_verify\n");
    goto out;
  }
  if (!jg_cred_parse(m->cred_fmt != 0 ? m->cred_fmt : GKDC_COSE_HDR_KCCS, kdc_cred.ptr,
                     kdc_cred.len, &kdc))
    goto out;
  ok = jg_kdc_pop_verify(j, m, n_c, kdc_nonce, kdc.info, evidence);

out:
  jg_cred_clear(&kdc);
  gkdc_tool_reply_clear(&reply);
  return ok;
}

int gkdc_join_group_verifier(gkdc_join_group *j)
{
  char path[JG_PATH_MAX];
  struct gkdc_tool_reply reply;
  struct gkdc_kdc_key_dist kd;
  struct gkdc_groupctx_material m;
  struct gkdc_bytes sek;
  char fp[9];
  size_t i;
  int err = 0;
  int ok = 0;

  if (!jg_path(j, "verif-data", path, sizeof(path)) ||
      !jg_request(j, GKDC_GET, path, NULL, 0, &reply))
    return 0;
  if (GKDC_CODE_CLASS(reply.code) != 2) {
    jg_print_error("GET verif-data", &reply);
    goto out;
  }
  if (!jg_key_dist_parse(reply.payload, reply.payload_len, &kd))
    goto out;
  if (!gkdc_groupctx_material_parse(kd.key.ptr, kd.key.len, &m, &err) ||
      m.gp_enc_alg == 0 || m.sign_alg == 0 || m.gid.len == 0) {
    fprintf(stderr, "gkdc join: the verif-data key object is invalid or not for the group "
                    "mode\n");
    goto out;
  }
  if (!sign_enc_key_get(reply.payload, reply.payload_len, &sek)) {
    fprintf(stderr, "gkdc join: verif-data lacks sign_enc_key\n");
    goto out;
  }
  if (!verifier_kdc_cred(j, &m))
    goto out;

  gkdc_groupctx_fingerprint(gkdc_host_api()->crypto_get0(), sek, fp);
  printf("Verifier data (num %lld)\nGid ", (long long)kd.num);
  for (i = 0; i < m.gid.len; i++)
    printf("%02x", m.gid.ptr[i]);
  printf("\ngp_enc_alg %d sign_alg %d alg %d ecdh_alg %d\n", (int)m.gp_enc_alg, (int)m.sign_alg,
         (int)m.alg, (int)m.ecdh_alg);
  printf("  Signature Encryption Key fp %s (%zu bytes)\n", fp, sek.len);
  ok = 1;

out:
  gkdc_tool_reply_clear(&reply);
  return ok;
}

/* ---- New Sender ID ---- */

int gkdc_join_group_renew_sender_id(gkdc_join_group *j, const char *node_name)
{
  char path[JG_PATH_MAX];
  struct gkdc_tool_reply reply;
  struct gkdc_cbor_dec d, v;
  struct gkdc_bytes sid;
  int err = 0;
  int ok = 0;

  if (!need_context(j, "a new Sender ID") || !node_path(j, node_name, 0, path, sizeof(path)) ||
      !jg_request(j, GKDC_POST, path, NULL, 0, &reply))
    return 0;
  if (GKDC_CODE_CLASS(reply.code) != 2) {
    jg_print_error("the Key Renewal Request", &reply);
    goto out;
  }
  if (gkdc_cbor_dec_init(&d, reply.payload, reply.payload_len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL)) {
    fprintf(stderr, "gkdc join: the Key Renewal Response is not a CBOR map\n");
    goto out;
  }

  if (gkdc_cbor_dec_map_find_int(&d, GKDC_OSC_GROUP_SENDERID, &v)) {
    /* A new Sender ID under the current keying material. */
    if (!gkdc_cbor_dec_get_bstr(&v, &sid) || !gkdc_groupctx_sender_id_set(j->ctx, sid, &err)) {
      fprintf(stderr, "gkdc join: cannot apply the new Sender ID: %s\n",
              gkdc_groupctx_err_str(err));
      goto out;
    }
  } else {
    /* The KDC rekeyed the whole group instead. */
    struct gkdc_kdc_key_dist kd;
    struct gkdc_groupctx_material m;

    if (!jg_key_dist_parse(reply.payload, reply.payload_len, &kd) ||
        !gkdc_groupctx_material_parse(kd.key.ptr, kd.key.len, &m, &err) ||
        !gkdc_groupctx_rekey(j->ctx, &m, &err)) {
      fprintf(stderr, "gkdc join: cannot apply the new keying material: %s\n",
              gkdc_groupctx_err_str(err));
      goto out;
    }
    j->num = kd.num;
  }
  printf("new Sender ID applied\n");
  gkdc_groupctx_print(j->ctx, stdout);
  ok = 1;

out:
  gkdc_tool_reply_clear(&reply);
  return ok;
}

/* ---- New credential ---- */

/* Builds {client_cred, cnonce, client_cred_verify} for `key` with a fresh
 * N_C. */
static int cred_request_build(gkdc_join_group *j, const struct jg_key *key, uint8_t **out,
                              size_t *out_len)
{
  uint8_t pop_input[JG_SCOPE_MAX + JG_NONCE_MAX + JG_CNONCE_LEN + 27];
  size_t pop_input_len = sizeof(pop_input);
  uint8_t evidence[GKDC_POP_MAX_EVIDENCE_LEN];
  size_t evidence_len = sizeof(evidence);
  struct gkdc_bytes scope = {j->scope, j->scope_len};
  struct gkdc_bytes n_s = {j->n_s, j->n_s_len};
  struct gkdc_bytes n_c = {j->n_c, sizeof(j->n_c)};
  struct gkdc_cbor_enc e;
  size_t cap = key->cred_len + sizeof(evidence) + 64;
  size_t mark;
  uint8_t *buf;

  if (!jg_random(j->n_c, sizeof(j->n_c)) ||
      !gkdc_pop_input_client(scope, n_s, n_c, pop_input, &pop_input_len) ||
      !jg_pop_create(j, key, pop_input, pop_input_len, evidence, &evidence_len))
    return 0;
  buf = malloc(cap);
  if (buf == NULL)
    return 0;
  gkdc_cbor_enc_init(&e, buf, cap);
  mark = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED);
  gkdc_cbor_enc_put_bstr(&e, key->cred_bytes, key->cred_len);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_CNONCE);
  gkdc_cbor_enc_put_bstr(&e, j->n_c, sizeof(j->n_c));
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED_VERIFY);
  gkdc_cbor_enc_put_bstr(&e, evidence, evidence_len);
  gkdc_cbor_enc_map_end(&e, mark, 3);
  if (gkdc_cbor_enc_finish(&e, out_len) != GKDC_CBOR_OK) {
    free(buf);
    return 0;
  }
  *out = buf;
  return 1;
}

int gkdc_join_group_new_credential(gkdc_join_group *j, const char *node_name,
                                   const char *key_file, const char *cred_file)
{
  char path[JG_PATH_MAX];
  struct jg_key key;
  struct gkdc_tool_reply reply;
  struct gkdc_groupctx_own own;
  uint8_t *req = NULL;
  size_t req_len = 0;
  int attempt;
  int done = 0;
  int err = 0;

  if (!need_context(j, "a credential upload") || !node_path(j, node_name, 1, path, sizeof(path)))
    return 0;
  if (!jg_key_load(key_file, cred_file, &key))
    return 0;
  if (!jg_key_fits(j, &key, key_file)) {
    jg_key_clear(&key);
    return 0;
  }

  for (attempt = 0; attempt < 2 && !done; attempt++) {
    free(req);
    req = NULL;
    if (!cred_request_build(j, &key, &req, &req_len) ||
        !jg_request(j, GKDC_POST, path, req, req_len, &reply))
      break;
    if (GKDC_CODE_CLASS(reply.code) == 2) {
      done = 1;
    } else if (!(attempt == 0 && jg_take_challenge(j, &reply))) {
      jg_print_error("the credential upload", &reply);
      gkdc_tool_reply_clear(&reply);
      break;
    }
    gkdc_tool_reply_clear(&reply);
  }
  free(req);
  if (!done) {
    jg_key_clear(&key);
    return 0;
  }

  /* The new key pair enters the pairwise keys from now on. */
  memset(&own, 0, sizeof(own));
  own.cred = key.info->end_entity;
  own.curve = key.curve;
  own.priv.ptr = key.priv;
  own.priv.len = key.priv_len;
  if (!gkdc_groupctx_own_set(j->ctx, &own, &err)) {
    fprintf(stderr, "gkdc join: the KDC took the new credential, but the context cannot use "
                    "it: %s\n", gkdc_groupctx_err_str(err));
    jg_key_clear(&key);
    return 0;
  }
  jg_key_clear(&j->key);
  j->key = key;
  j->has_key = 1;
  printf("new credential uploaded and applied\n");
  gkdc_groupctx_print(j->ctx, stdout);
  return 1;
}

/* ---- Rekeying ---- */

/* Removes the peers of an array of Sender IDs (stale_node_ids, or a
 * /stale-sids response). Unknown IDs are ignored. */
static int stale_remove(gkdc_join_group *j, const uint8_t *array, size_t len)
{
  struct gkdc_cbor_dec d;
  size_t n = 0;
  size_t i;

  if (gkdc_cbor_dec_init(&d, array, len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_array(&d, &n)) {
    fprintf(stderr, "gkdc join: the stale Sender IDs are not an array\n");
    return 0;
  }
  for (i = 0; i < n; i++) {
    struct gkdc_bytes sid;

    if (!gkdc_cbor_dec_get_bstr(&d, &sid)) {
      fprintf(stderr, "gkdc join: stale Sender ID %zu is not a byte string\n", i);
      return 0;
    }
    if (gkdc_groupctx_peer_remove(j->ctx, sid, NULL))
      printf("removed the Recipient Context of stale Sender ID %zu\n", i);
  }
  return 1;
}

/* Removes every peer: the stale Sender IDs since our version are unknown. */
static void peers_remove_all(gkdc_join_group *j)
{
  struct gkdc_groupctx_recipient r;

  while (gkdc_groupctx_peer_get(j->ctx, 0, &r))
    gkdc_groupctx_peer_remove(j->ctx, r.recipient_id, NULL);
  printf("removed every Recipient Context\n");
}

/* FETCH .../stale-sids with our version and removes what it lists. */
static int stale_sids_fetch(gkdc_join_group *j)
{
  char path[JG_PATH_MAX];
  uint8_t req[16];
  size_t req_len = 0;
  struct gkdc_cbor_enc e;
  struct gkdc_tool_reply reply;
  int ok = 0;

  if (!jg_path(j, "stale-sids", path, sizeof(path)))
    return 0;
  gkdc_cbor_enc_init(&e, req, sizeof(req));
  gkdc_cbor_enc_put_uint(&e, (uint64_t)j->num);
  if (gkdc_cbor_enc_finish(&e, &req_len) != GKDC_CBOR_OK ||
      !jg_request(j, GKDC_FETCH, path, req, req_len, &reply))
    return 0;
  if (GKDC_CODE_CLASS(reply.code) != 2) {
    jg_print_error("FETCH stale-sids", &reply);
  } else if (reply.payload_len == 0) {
    peers_remove_all(j);
    ok = 1;
  } else {
    ok = stale_remove(j, reply.payload, reply.payload_len);
  }
  gkdc_tool_reply_clear(&reply);
  return ok;
}

int gkdc_join_group_rekey_apply(gkdc_join_group *j, const uint8_t *payload, size_t len)
{
  struct gkdc_kdc_key_dist kd;
  struct gkdc_groupctx_material m;
  struct gkdc_cbor_dec d, v;
  struct gkdc_bytes stale;
  int64_t cred_fmt;
  int err = 0;

  if (!need_context(j, "new keying material") || !jg_key_dist_parse(payload, len, &kd))
    return 0;
  if (kd.num <= j->num) {
    printf("keying material version %lld is not newer than %lld; nothing to do\n",
           (long long)kd.num, (long long)j->num);
    return 1;
  }
  if (!gkdc_groupctx_material_parse(kd.key.ptr, kd.key.len, &m, &err)) {
    fprintf(stderr, "gkdc join: invalid key object: %s\n", gkdc_groupctx_err_str(err));
    return 0;
  }

  /* Stale Sender IDs go before the new material is installed. */
  if (kd.num == j->num + 1) {
    stale.len = 0;
    if (gkdc_cbor_dec_init(&d, payload, len, NULL) == GKDC_CBOR_OK &&
        gkdc_cbor_dec_enter_map(&d, NULL) &&
        gkdc_cbor_dec_map_find_int(&d, GKDC_OSC_STALE_NODE_IDS, &v) &&
        !gkdc_cbor_dec_get_raw(&v, &stale))
      return 0;
    if (stale.len > 0 && !stale_remove(j, stale.ptr, stale.len))
      return 0;
  } else if (!stale_sids_fetch(j)) {
    return 0;
  }

  if (!gkdc_groupctx_rekey(j->ctx, &m, &err)) {
    fprintf(stderr, "gkdc join: cannot install keying material version %lld: %s\n",
            (long long)kd.num, gkdc_groupctx_err_str(err));
    return 0;
  }
  j->num = kd.num;
  cred_fmt = (m.present & GKDC_GROUPCTX_HAS(GKDC_OSC_KEY_CRED_FMT)) ? m.cred_fmt
                                                                    : GKDC_COSE_HDR_KCCS;
  if (!jg_peers_add(j, &kd, cred_fmt))
    return 0;
  printf("keying material version %lld installed\n", (long long)j->num);
  gkdc_groupctx_print(j->ctx, stdout);
  return 1;
}

int gkdc_join_group_refresh(gkdc_join_group *j)
{
  char path[JG_PATH_MAX];
  struct gkdc_tool_reply reply;
  int ok = 0;

  if (!need_context(j, "a refresh") || !jg_path(j, NULL, path, sizeof(path)) ||
      !jg_request(j, GKDC_GET, path, NULL, 0, &reply))
    return 0;
  if (GKDC_CODE_CLASS(reply.code) != 2)
    jg_print_error("GET of the group resource", &reply);
  else
    ok = gkdc_join_group_rekey_apply(j, reply.payload, reply.payload_len);
  gkdc_tool_reply_clear(&reply);
  return ok;
}

/* ---- Leave ---- */

int gkdc_join_group_leave(gkdc_join_group *j, const char *node_name)
{
  char path[JG_PATH_MAX];
  struct gkdc_tool_reply reply;
  int ok;

  if (!node_path(j, node_name, 0, path, sizeof(path)) ||
      !jg_request(j, GKDC_DELETE, path, NULL, 0, &reply))
    return 0;
  ok = reply.code == GKDC_CODE(2, 2);
  if (!ok) {
    jg_print_error("leaving the group", &reply);
  } else {
    gkdc_groupctx_free(j->ctx);
    j->ctx = NULL;
    printf("left group %s\n", j->group);
  }
  gkdc_tool_reply_clear(&reply);
  return ok;
}

/* ---- The whole group part ---- */

/* Loads the key pair of `key_file` and its credential to check them; with
 * `j`, also checks that the key fits the group's parameters. */
static int key_file_check(const gkdc_join_group *j, const char *key_file)
{
  struct jg_key key;
  int ok;

  if (!jg_key_load(key_file, NULL, &key))
    return 0;
  ok = j == NULL || jg_key_fits(j, &key, key_file);
  jg_key_clear(&key);
  return ok;
}

int gkdc_join_group_check_files(const struct gkdc_join_group_run_args *r)
{
  if (r->group.key_file != NULL && !key_file_check(NULL, r->group.key_file))
    return 0;
  if (r->new_cred_key != NULL && !key_file_check(NULL, r->new_cred_key))
    return 0;
  if (r->out_file != NULL) {
    char *dir = strdup(r->out_file);
    char *slash;
    int ok;

    if (dir == NULL)
      return 0;
    slash = strrchr(dir, '/');
    if (slash == NULL)
      strcpy(dir, ".");
    else if (slash == dir)
      dir[1] = '\0';
    else
      *slash = '\0';
    ok = access(dir, W_OK | X_OK) == 0;
    if (!ok)
      fprintf(stderr, "gkdc join: cannot write --out %s: directory %s is not writable\n",
              r->out_file, dir);
    free(dir);
    if (!ok)
      return 0;
  }
  return 1;
}

int gkdc_join_group_run(gkdc_client *c, gkdc_client_session *s,
                        const struct gkdc_join_group_run_args *r)
{
  struct gkdc_join_group_args args = r->group;
  gkdc_join_group *j;
  const char *node;
  int ok;

  if (r->monitor) {
    args.roles = GKDC_OSC_ROLE_MONITOR;
    args.key_file = NULL;
  } else if (r->verifier) {
    args.roles = GKDC_OSC_ROLE_VERIFIER;
    args.key_file = NULL;
  } else if (args.key_file == NULL) {
    fprintf(stderr, "gkdc join: joining with roles %llu needs a key pair (--key FILE)\n",
            (unsigned long long)args.roles);
    return 0;
  }

  j = gkdc_join_group_new(c, s, &args);
  if (j == NULL)
    return 0;
  /* The group's parameters are known once sign_info was read: a new key
   * pair that cannot fit fails before the Join Request. */
  if (r->new_cred_key != NULL && !key_file_check(j, r->new_cred_key)) {
    gkdc_join_group_free(j);
    return 0;
  }
  if (r->verifier) {
    ok = gkdc_join_group_verifier(j);
    gkdc_join_group_free(j);
    return ok;
  }

  ok = gkdc_join_group_join(j);
  node = r->node_name != NULL ? r->node_name : j->node_name;
  if (ok && r->renew_sender_id)
    ok = gkdc_join_group_renew_sender_id(j, node);
  if (ok && r->new_cred_key != NULL)
    ok = gkdc_join_group_new_credential(j, node, r->new_cred_key, NULL);
  if (ok && r->refresh)
    ok = gkdc_join_group_refresh(j);
  if (ok && r->out_file != NULL)
    ok = gkdc_join_group_write(j, r->out_file);
  if (ok && r->leave)
    ok = gkdc_join_group_leave(j, node);
  gkdc_join_group_free(j);
  return ok;
}
