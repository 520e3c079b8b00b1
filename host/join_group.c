/*
 * The group part of `gkdc join`: Join Request, KDC PoP check and the
 * derivation of the Group OSCORE context. join_group_node.c has the node
 * operations after the join and the Verifier flow.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/alg.h>
#include <gkdc/appprofile.h>
#include <gkdc/cbor.h>
#include <gkdc/cose.h>
#include <gkdc/credfmt.h>
#include <gkdc/crypto.h>
#include <gkdc/kdc.h>
#include <gkdc/pop.h>

#include "client_tool.h"
#include "internal.h"
#include "join_group.h"
#include "join_group_internal.h"

/* ---- The node's key pair ---- */

void jg_key_clear(struct jg_key *k)
{
  if (k->cred != NULL && k->credfmt != NULL)
    k->credfmt->free(k->credfmt_state, k->cred);
  if (k->cred_bytes != NULL) {
    gkdc_wipe(k->cred_bytes, k->cred_len);
    free(k->cred_bytes);
  }
  gkdc_wipe(k, sizeof(*k));
}

/* Finds the credfmt plugin of `cred_fmt`. */
static int credfmt_find(int64_t cred_fmt, const struct gkdc_credfmt_ops **ops, void **state)
{
  struct gkdc_provider p;

  if (!gkdc_host_api()->find_credfmt(cred_fmt, &p)) {
    fprintf(stderr, "gkdc join: no credfmt plugin serves credential format %lld\n",
            (long long)cred_fmt);
    return 0;
  }
  *ops = p.ops;
  *state = p.state;
  return 1;
}

int jg_cred_parse(int64_t cred_fmt, const uint8_t *bytes, size_t len, struct jg_cred *out)
{
  int err = 0;

  memset(out, 0, sizeof(*out));
  if (!credfmt_find(cred_fmt, &out->ops, &out->state))
    return 0;
  if (!out->ops->parse(out->state, bytes, len, 0, &out->cred, &err)) {
    fprintf(stderr, "gkdc join: invalid credential (credfmt error %d)\n", err);
    return 0;
  }
  out->info = out->ops->info_get0(out->state, out->cred);
  return 1;
}

void jg_cred_clear(struct jg_cred *c)
{
  if (c->cred != NULL)
    c->ops->free(c->state, c->cred);
  memset(c, 0, sizeof(*c));
}

int jg_key_load(const char *key_file, const char *cred_file, struct jg_key *out)
{
  const struct gkdc_crypto *cx = gkdc_host_api()->crypto_get0();
  uint8_t *key_bytes = NULL;
  size_t key_len = 0;
  char *ccs_path = NULL;
  struct gkdc_cose_key ck;
  uint8_t pub[GKDC_MAX_PUB_LEN];
  size_t pub_len = sizeof(pub);
  int ok = 0;

  memset(out, 0, sizeof(*out));
  if (cred_file == NULL) {
    ccs_path = malloc(strlen(key_file) + 5);
    if (ccs_path == NULL)
      return 0;
    sprintf(ccs_path, "%s.ccs", key_file);
    cred_file = ccs_path;
  }

  if (!gkdc_tool_read_file(key_file, 4096, &key_bytes, &key_len))
    goto out;
  if (gkdc_cose_key_parse(key_bytes, key_len, &ck) != GKDC_COSE_OK || ck.d.len == 0 ||
      ck.d.len > sizeof(out->priv)) {
    fprintf(stderr, "gkdc join: %s is not a COSE_Key with a private key\n", key_file);
    goto out;
  }
  memcpy(out->priv, ck.d.ptr, ck.d.len);
  out->priv_len = ck.d.len;
  out->curve = (int32_t)ck.crv;

  if (!gkdc_tool_read_file(cred_file, GKDC_CRED_MAX_LEN, &out->cred_bytes, &out->cred_len))
    goto out;
  if (!credfmt_find(GKDC_COSE_HDR_KCCS, &out->credfmt, &out->credfmt_state))
    goto out;
  if (!out->credfmt->parse(out->credfmt_state, out->cred_bytes, out->cred_len, 0, &out->cred,
                           NULL)) {
    fprintf(stderr, "gkdc join: %s is not a valid CCS credential\n", cred_file);
    goto out;
  }
  out->info = out->credfmt->info_get0(out->credfmt_state, out->cred);

  /* The credential must carry the public key of this private key. */
  if (out->info->curve != out->curve ||
      !gkdc_crypto_public_from_private(cx, out->curve, out->priv, out->priv_len, pub,
                                       &pub_len) ||
      pub_len != out->info->pub.len || memcmp(pub, out->info->pub.ptr, pub_len) != 0) {
    fprintf(stderr, "gkdc join: the key in %s does not match the credential %s\n", key_file,
            cred_file);
    goto out;
  }
  ok = 1;

out:
  if (!ok)
    jg_key_clear(out);
  if (key_bytes != NULL) {
    gkdc_wipe(key_bytes, key_len);
    free(key_bytes);
  }
  free(ccs_path);
  return ok;
}

/* ---- Requests ---- */

int jg_path(const gkdc_join_group *j, const char *suffix, char *out, size_t cap)
{
  int n;

  if (suffix == NULL)
    n = snprintf(out, cap, "%s/%s", j->root, j->group);
  else
    n = snprintf(out, cap, "%s/%s/%s", j->root, j->group, suffix);
  if (n < 0 || (size_t)n >= cap) {
    fprintf(stderr, "gkdc join: the resource path is too long\n");
    return 0;
  }
  return 1;
}

int jg_request(gkdc_join_group *j, uint32_t method, const char *path, const uint8_t *payload,
               size_t payload_len, struct gkdc_tool_reply *reply)
{
  struct gkdc_client_msg msg;

  memset(&msg, 0, sizeof(msg));
  msg.method = method;
  msg.path = path;
  msg.content_format = payload_len > 0 ? GKDC_CF_ACE_GROUPCOMM_CBOR : GKDC_CF_NONE;
  msg.accept = GKDC_CF_NONE;
  msg.payload = payload;
  msg.payload_len = payload_len;
  msg.timeout_ms = JG_TIMEOUT_MS;
  if (!gkdc_tool_call(j->c, j->s, &msg, reply))
    return 0;
  printf("%s /%s: %d.%02d\n", method == GKDC_GET ? "GET" : method == GKDC_POST ? "POST"
                              : method == GKDC_FETCH ? "FETCH" : "DELETE",
         path, GKDC_CODE_CLASS(reply->code), GKDC_CODE_DETAIL(reply->code));
  if (!reply->protected_response) {
    fprintf(stderr, "gkdc join: the response from /%s was not OSCORE-protected\n", path);
    gkdc_tool_reply_clear(reply);
    return 0;
  }
  return 1;
}

void jg_print_error(const char *what, const struct gkdc_tool_reply *reply)
{
  fprintf(stderr, "gkdc join: %s failed with %d.%02d\n", what, GKDC_CODE_CLASS(reply->code),
          GKDC_CODE_DETAIL(reply->code));
  if (reply->payload_len > 0 && (reply->content_format == GKDC_CF_CONCISE_PROBLEM ||
                                 reply->content_format == GKDC_CF_ACE_GROUPCOMM_CBOR))
    gkdc_cbor_diag(stderr, reply->payload, reply->payload_len, GKDC_DIAG_LABELS,
                   GKDC_DIAG_AS_GROUPCOMM);
  fputc('\n', stderr);
}

int jg_random(uint8_t *buf, size_t len)
{
  if (!gkdc_crypto_random(gkdc_host_api()->crypto_get0(), buf, len)) {
    fprintf(stderr, "gkdc join: no random bytes from the crypto provider\n");
    return 0;
  }
  return 1;
}

/* The name of COSE curve `crv`, for messages. */
static const char *curve_name(int64_t crv)
{
  switch (crv) {
  case GKDC_COSE_CRV_P256:
    return "P-256";
  case GKDC_COSE_CRV_X25519:
    return "X25519";
  case GKDC_COSE_CRV_ED25519:
    return "Ed25519";
  default:
    return NULL;
  }
}

/* The curve that signature algorithm `alg` implies when the group names
 * none; 0 when the algorithm allows several or is unknown here. */
static int32_t curve_of_alg(int32_t alg)
{
  return alg == GKDC_COSE_ALG_ES256 ? GKDC_COSE_CRV_P256 : 0;
}

int jg_key_fits(const gkdc_join_group *j, const struct jg_key *key, const char *key_file)
{
  int32_t want_curve = j->sign_curve != 0 ? j->sign_curve : curve_of_alg(j->sign_alg);
  int32_t want_kty = j->sign_kty;
  const char *have = curve_name(key->curve);
  const char *want = curve_name(want_curve);
  char have_buf[24], want_buf[24], alg_buf[24];
  const char *alg;

  if (want_kty == 0 && j->sign_alg == GKDC_COSE_ALG_EDDSA)
    want_kty = GKDC_COSE_KTY_OKP;
  else if (want_kty == 0 && j->sign_alg == GKDC_COSE_ALG_ES256)
    want_kty = GKDC_COSE_KTY_EC2;
  if ((want_curve == 0 || key->curve == want_curve) &&
      (want_kty == 0 || key->info->kty == want_kty))
    return 1;

  if (have == NULL) {
    snprintf(have_buf, sizeof(have_buf), "curve %d", (int)key->curve);
    have = have_buf;
  }
  if (want == NULL) {
    snprintf(want_buf, sizeof(want_buf), "key type %d", (int)want_kty);
    want = want_buf;
  }
  if (j->sign_alg == GKDC_COSE_ALG_EDDSA) {
    alg = "EdDSA";
  } else if (j->sign_alg == GKDC_COSE_ALG_ES256) {
    alg = "ES256";
  } else {
    snprintf(alg_buf, sizeof(alg_buf), "algorithm %d", (int)j->sign_alg);
    alg = alg_buf;
  }
  fprintf(stderr, "gkdc join: the key in %s is %s but group %s uses %s with %s\n", key_file,
          have, j->group, alg, want);
  return 0;
}

/*
 * Creates the PoP evidence over `input` with the node's key: a signature
 * with the credential's algorithm. Pairwise-only groups need "dh-mac" with
 * the KDC's DH credential, which this tool does not request yet.
 */
int jg_pop_create(const gkdc_join_group *j, const struct jg_key *key, const uint8_t *input,
                  size_t input_len, uint8_t *evidence, size_t *evidence_len)
{
  struct gkdc_provider p;
  const struct gkdc_pop_ops *pop;
  struct gkdc_pop_params params;
  struct gkdc_pop_key own;
  int err = 0;

  if (!gkdc_host_api()->find_pop(GKDC_POP_SIGN, &p)) {
    fprintf(stderr, "gkdc join: no pop plugin serves \"%s\"; load pop-sign\n", GKDC_POP_SIGN);
    return 0;
  }
  pop = p.ops;

  memset(&params, 0, sizeof(params));
  params.size = sizeof(params);
  params.flags = j->pop_flags;
  params.sign_alg = j->sign_alg != 0 ? j->sign_alg : key->info->alg;
  memset(&own, 0, sizeof(own));
  own.size = sizeof(own);
  own.cred = key->info;
  own.priv = key->priv;
  own.priv_len = key->priv_len;
  if (!pop->create(p.state, &params, &own, NULL, input, input_len, evidence, evidence_len,
                   &err)) {
    if (err == GKDC_POP_ERR_KEY_MISMATCH)
      fprintf(stderr, "gkdc join: cannot create the PoP evidence: the key (curve %s) does not "
                      "fit the group's signature algorithm %d\n",
              curve_name(key->curve) != NULL ? curve_name(key->curve) : "unknown",
              (int)params.sign_alg);
    else
      fprintf(stderr, "gkdc join: cannot create the PoP evidence (pop error %d)\n", err);
    return 0;
  }
  return 1;
}

int jg_kdc_pop_verify(const gkdc_join_group *j, const struct gkdc_groupctx_material *m,
                      struct gkdc_bytes n_c, struct gkdc_bytes kdc_nonce,
                      const struct gkdc_cred_info *kdc, struct gkdc_bytes evidence)
{
  uint8_t input[2 * (9 + 64)];
  size_t input_len = sizeof(input);
  struct gkdc_provider p;
  const struct gkdc_pop_ops *pop;
  struct gkdc_pop_params params;
  struct gkdc_pop_key own;
  int group_mode = m->gp_enc_alg != 0 && m->sign_alg != 0;
  const char *method = group_mode ? GKDC_POP_SIGN : GKDC_POP_DH_MAC;
  int err = 0;

  if (kdc_nonce.len == 0 || kdc_nonce.len > 64 || n_c.len > 64 ||
      !gkdc_pop_input_kdc(n_c, kdc_nonce, input, &input_len)) {
    fprintf(stderr, "gkdc join: kdc_nonce is missing or longer than 64 bytes\n");
    return 0;
  }
  if (!gkdc_host_api()->find_pop(method, &p)) {
    fprintf(stderr, "gkdc join: no pop plugin serves \"%s\"\n", method);
    return 0;
  }
  pop = p.ops;

  memset(&params, 0, sizeof(params));
  params.size = sizeof(params);
  params.flags = j->pop_flags;
  params.sign_alg = m->sign_alg;
  params.sign_curve = m->sign_curve;
  params.ecdh_alg = m->ecdh_alg;
  params.ecdh_curve = m->ecdh_curve;
  memset(&own, 0, sizeof(own));
  own.size = sizeof(own);
  if (j->has_key) {
    own.cred = j->key.info;
    own.priv = j->key.priv;
    own.priv_len = j->key.priv_len;
  }
  if (!pop->verify(p.state, &params, j->has_key ? &own : NULL, kdc, input, input_len,
                   evidence.ptr, evidence.len, &err)) {
    fprintf(stderr, "gkdc join: kdc_cred_verify does not verify against kdc_cred "
                    "(pop error %d); the KDC is not trusted\n", err);
    return 0;
  }
  printf("kdc_cred_verify verified (%s)\n", method);
  return 1;
}

/* ---- Join Request and Join Response ---- */

/* Encodes the scope entry [GROUPNAME, roles] of the Join Request. */
static int scope_entry_build(gkdc_join_group *j)
{
  struct gkdc_cbor_enc e;

  gkdc_cbor_enc_init(&e, j->scope, sizeof(j->scope));
  gkdc_cbor_enc_put_array(&e, 2);
  gkdc_cbor_enc_put_tstr_z(&e, j->group);
  gkdc_cbor_enc_put_uint(&e, j->roles);
  if (gkdc_cbor_enc_finish(&e, &j->scope_len) != GKDC_CBOR_OK) {
    fprintf(stderr, "gkdc join: the group name is too long\n");
    return 0;
  }
  return 1;
}

/*
 * Builds the Join Request: scope, get_creds null, and for a node with a
 * credential client_cred, cnonce and client_cred_verify. The caller frees
 * *out.
 */
static int join_request_build(gkdc_join_group *j, uint8_t **out, size_t *out_len)
{
  uint8_t pop_input[JG_SCOPE_MAX + JG_NONCE_MAX + JG_CNONCE_LEN + 27];
  size_t pop_input_len = sizeof(pop_input);
  uint8_t evidence[GKDC_POP_MAX_EVIDENCE_LEN];
  size_t evidence_len = sizeof(evidence);
  struct gkdc_cbor_enc e;
  size_t cap;
  size_t mark;
  size_t pairs = 0;
  uint8_t *buf;

  if (!jg_random(j->n_c, sizeof(j->n_c)))
    return 0;
  if (j->has_key) {
    struct gkdc_bytes scope = {j->scope, j->scope_len};
    struct gkdc_bytes n_s = {j->n_s, j->n_s_len};
    struct gkdc_bytes n_c = {j->n_c, sizeof(j->n_c)};

    if (!gkdc_pop_input_client(scope, n_s, n_c, pop_input, &pop_input_len) ||
        !jg_pop_create(j, &j->key, pop_input, pop_input_len, evidence, &evidence_len))
      return 0;
  }

  cap = j->scope_len + (j->has_key ? j->key.cred_len : 0) + sizeof(evidence) + 64;
  buf = malloc(cap);
  if (buf == NULL)
    return 0;
  gkdc_cbor_enc_init(&e, buf, cap);
  mark = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_SCOPE);
  gkdc_cbor_enc_put_bstr(&e, j->scope, j->scope_len);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_GET_CREDS);
  gkdc_cbor_enc_put_null(&e);
  gkdc_cbor_enc_put_uint(&e, GKDC_GC_CNONCE);
  gkdc_cbor_enc_put_bstr(&e, j->n_c, sizeof(j->n_c));
  pairs = 3;
  if (j->has_key) {
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED);
    gkdc_cbor_enc_put_bstr(&e, j->key.cred_bytes, j->key.cred_len);
    gkdc_cbor_enc_put_uint(&e, GKDC_GC_CLIENT_CRED_VERIFY);
    gkdc_cbor_enc_put_bstr(&e, evidence, evidence_len);
    pairs += 2;
  }
  gkdc_cbor_enc_map_end(&e, mark, pairs);
  if (gkdc_cbor_enc_finish(&e, out_len) != GKDC_CBOR_OK) {
    free(buf);
    return 0;
  }
  *out = buf;
  return 1;
}

/* Reads an optional bstr parameter `label` of map decoder `d`. */
static int opt_bstr(struct gkdc_cbor_dec *d, int64_t label, struct gkdc_bytes *out)
{
  struct gkdc_cbor_dec v;

  out->ptr = NULL;
  out->len = 0;
  if (!gkdc_cbor_dec_map_find_int(d, label, &v))
    return 1;
  return gkdc_cbor_dec_get_bstr(&v, out);
}

/* Reads an optional array parameter as its raw encoding. */
static int opt_array(struct gkdc_cbor_dec *d, int64_t label, struct gkdc_bytes *out)
{
  struct gkdc_cbor_dec v;

  out->ptr = NULL;
  out->len = 0;
  if (!gkdc_cbor_dec_map_find_int(d, label, &v))
    return 1;
  if (gkdc_cbor_dec_peek_type(&v) != GKDC_CBOR_TYPE_ARRAY) {
    gkdc_cbor_dec_set_error(&v, GKDC_CBOR_ERR_TYPE);
    return 0;
  }
  return gkdc_cbor_dec_get_raw(&v, out);
}

int jg_key_dist_parse(const uint8_t *payload, size_t len, struct gkdc_kdc_key_dist *out)
{
  struct gkdc_cbor_dec d, v;
  int ok;

  memset(out, 0, sizeof(*out));
  out->size = sizeof(*out);
  if (gkdc_cbor_dec_init(&d, payload, len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL)) {
    fprintf(stderr, "gkdc join: the response is not a CBOR map\n");
    return 0;
  }

  ok = gkdc_cbor_dec_map_find_int(&d, GKDC_GC_GKTY, &v) && gkdc_cbor_dec_get_int(&v, &out->gkty);
  ok = ok && gkdc_cbor_dec_map_find_int(&d, GKDC_GC_KEY, &v) &&
       gkdc_cbor_dec_peek_type(&v) == GKDC_CBOR_TYPE_MAP && gkdc_cbor_dec_get_raw(&v, &out->key);
  ok = ok && gkdc_cbor_dec_map_find_int(&d, GKDC_GC_NUM, &v) && gkdc_cbor_dec_get_int(&v, &out->num);
  if (!ok || out->gkty != GKDC_OSC_GKTY) {
    fprintf(stderr, "gkdc join: the response lacks gkty %d, key or num\n", GKDC_OSC_GKTY);
    return 0;
  }

  ok = opt_array(&d, GKDC_GC_CREDS, &out->creds) &&
       opt_array(&d, GKDC_GC_PEER_ROLES, &out->peer_roles) &&
       opt_array(&d, GKDC_GC_PEER_IDENTIFIERS, &out->peer_identifiers) &&
       opt_bstr(&d, GKDC_GC_KDC_NONCE, &out->kdc_nonce) &&
       opt_bstr(&d, GKDC_GC_KDC_CRED_VERIFY, &out->kdc_cred_verify);
  if (ok && gkdc_cbor_dec_map_find_int(&d, GKDC_GC_KDC_CRED, &v)) {
    out->kdc_cred_present = 1;
    ok = gkdc_cbor_dec_get_bstr(&v, &out->kdc_cred);
  }
  out->extra.ptr = payload;
  out->extra.len = len;
  if (!ok || gkdc_cbor_dec_error(&d) != GKDC_CBOR_OK) {
    fprintf(stderr, "gkdc join: a parameter of the response has the wrong type\n");
    return 0;
  }
  return 1;
}

/*
 * Adds the members of creds / peer_identifiers / peer_roles to the
 * context. A credential that the group's credfmt rejects is reported and
 * skipped, and so is one the context cannot use.
 */
int jg_peers_add(gkdc_join_group *j, const struct gkdc_kdc_key_dist *kd, int64_t cred_fmt)
{
  struct gkdc_cbor_dec dc, di, dr;
  size_t n_creds = 0, n_ids = 0, n_roles = 0, i;

  if (kd->creds.len == 0)
    return 1;
  if (gkdc_cbor_dec_init(&dc, kd->creds.ptr, kd->creds.len, NULL) != GKDC_CBOR_OK ||
      gkdc_cbor_dec_init(&di, kd->peer_identifiers.ptr, kd->peer_identifiers.len, NULL) !=
          GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_array(&dc, &n_creds) || !gkdc_cbor_dec_enter_array(&di, &n_ids) ||
      n_creds != n_ids) {
    fprintf(stderr, "gkdc join: creds and peer_identifiers do not match\n");
    return 0;
  }
  if (kd->peer_roles.len > 0 &&
      (gkdc_cbor_dec_init(&dr, kd->peer_roles.ptr, kd->peer_roles.len, NULL) != GKDC_CBOR_OK ||
       !gkdc_cbor_dec_enter_array(&dr, &n_roles) || n_roles != n_creds)) {
    fprintf(stderr, "gkdc join: peer_roles does not match creds\n");
    return 0;
  }

  for (i = 0; i < n_creds; i++) {
    struct gkdc_bytes cred, sid;
    uint64_t roles = 0;
    struct jg_cred pc;
    struct gkdc_groupctx_peer peer;
    int err = 0;

    if (!gkdc_cbor_dec_get_bstr(&dc, &cred) || !gkdc_cbor_dec_get_bstr(&di, &sid) ||
        (n_roles > 0 && !gkdc_cbor_dec_get_uint(&dr, &roles))) {
      fprintf(stderr, "gkdc join: member %zu of creds has the wrong type\n", i);
      return 0;
    }
    if (!jg_cred_parse(cred_fmt, cred.ptr, cred.len, &pc)) {
      fprintf(stderr, "gkdc join: skipping member %zu\n", i);
      continue;
    }
    memset(&peer, 0, sizeof(peer));
    peer.sender_id = sid;
    peer.cred = pc.info->end_entity;
    peer.curve = pc.info->curve;
    peer.pub = pc.info->pub;
    peer.roles = roles;
    if (!gkdc_groupctx_peer_add(j->ctx, &peer, &err))
      fprintf(stderr, "gkdc join: skipping member %zu: %s\n", i, gkdc_groupctx_err_str(err));
    jg_cred_clear(&pc);
  }
  return 1;
}

int jg_take_challenge(gkdc_join_group *j, const struct gkdc_tool_reply *reply)
{
  struct gkdc_cbor_dec d;
  struct gkdc_bytes n_s = {NULL, 0};

  if (reply->code != GKDC_CODE(4, 0) || reply->content_format != GKDC_CF_ACE_GROUPCOMM_CBOR)
    return 0;
  if (gkdc_cbor_dec_init(&d, reply->payload, reply->payload_len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL) || !opt_bstr(&d, GKDC_GC_KDCCHALLENGE, &n_s) ||
      n_s.len == 0 || n_s.len > sizeof(j->n_s))
    return 0;
  memcpy(j->n_s, n_s.ptr, n_s.len);
  j->n_s_len = n_s.len;
  printf("the KDC sent a new kdcchallenge; retrying\n");
  return 1;
}

/*
 * Keeps NODENAME from the Join Response's Location-Path, which names the
 * node's sub-resource GROUP_PATH/nodes/NODENAME (RFC 9594 section 4.3.1).
 * Another path leaves the name empty, so the node operations need --node.
 */
static void node_name_take(gkdc_join_group *j, const char *group_path, const char *location)
{
  size_t glen = strlen(group_path);
  const char *name;

  j->node_name[0] = '\0';
  if (strncmp(location, group_path, glen) != 0 || strncmp(location + glen, "/nodes/", 7) != 0) {
    if (location[0] != '\0')
      fprintf(stderr, "gkdc join: ignoring Location-Path /%s: not /%s/nodes/NODENAME\n",
              location, group_path);
    else
      fprintf(stderr, "gkdc join: the Join Response has no Location-Path\n");
    return;
  }
  name = location + glen + 7;
  if (name[0] == '\0' || strchr(name, '/') != NULL || strlen(name) >= sizeof(j->node_name)) {
    fprintf(stderr, "gkdc join: ignoring Location-Path /%s: invalid node name\n", location);
    return;
  }
  memcpy(j->node_name, name, strlen(name) + 1);
  printf("node name %s (Location-Path of the Join Response)\n", j->node_name);
}
/* Verifies the KDC's PoP and derives the context from a Join Response. */
static int join_response_apply(gkdc_join_group *j, const uint8_t *payload, size_t len)
{
  struct gkdc_kdc_key_dist kd;
  struct gkdc_groupctx_material m;
  struct gkdc_groupctx_own own;
  struct jg_cred kdc;
  gkdc_groupctx *ctx = NULL;
  struct gkdc_bytes n_c = {j->n_c, sizeof(j->n_c)};
  int64_t cred_fmt;
  int err = 0;
  int ok = 0;

  memset(&kdc, 0, sizeof(kdc));
  if (!jg_key_dist_parse(payload, len, &kd))
    return 0;
  if (!gkdc_groupctx_material_parse(kd.key.ptr, kd.key.len, &m, &err)) {
    fprintf(stderr, "gkdc join: invalid key object: %s\n", gkdc_groupctx_err_str(err));
    return 0;
  }
  cred_fmt = (m.present & GKDC_GROUPCTX_HAS(GKDC_OSC_KEY_CRED_FMT)) ? m.cred_fmt
                                                                    : GKDC_COSE_HDR_KCCS;

  /* The KDC proves possession of the kdc_cred private key (RFC 9594
   * section 4.3.1, OSCORE profile section 6.4) before anything is used. */
  if (!kd.kdc_cred_present || kd.kdc_cred_verify.len == 0) {
    fprintf(stderr, "gkdc join: the Join Response lacks kdc_cred or kdc_cred_verify\n");
    return 0;
  }
  if (!jg_cred_parse(cred_fmt, kd.kdc_cred.ptr, kd.kdc_cred.len, &kdc))
    return 0;
  if (!jg_kdc_pop_verify(j, &m, n_c, kd.kdc_nonce, kdc.info, kd.kdc_cred_verify))
    goto out;

  memset(&own, 0, sizeof(own));
  if (j->has_key) {
    own.cred = j->key.info->end_entity;
    own.curve = j->key.curve;
    own.priv.ptr = j->key.priv;
    own.priv.len = j->key.priv_len;
  }
  if (!gkdc_groupctx_new(gkdc_host_api()->crypto_get0(), &m, j->has_key ? &own : NULL,
                         kdc.info->end_entity, &ctx, &err)) {
    fprintf(stderr, "gkdc join: cannot derive the Group OSCORE context: %s\n",
            gkdc_groupctx_err_str(err));
    goto out;
  }
  gkdc_groupctx_free(j->ctx);
  j->ctx = ctx;
  j->num = kd.num;
  j->sign_alg = m.sign_alg;
  j->sign_kty = m.sign_kty;
  j->sign_curve = m.sign_curve;
  if (!jg_peers_add(j, &kd, cred_fmt))
    goto out;

  printf("Group OSCORE context derived (num %lld)\n", (long long)j->num);
  gkdc_groupctx_print(j->ctx, stdout);
  ok = 1;

out:
  jg_cred_clear(&kdc);
  return ok;
}

int gkdc_join_group_join(gkdc_join_group *j)
{
  char path[JG_PATH_MAX];
  struct gkdc_tool_reply reply;
  uint8_t *req = NULL;
  size_t req_len = 0;
  int attempt;
  int ok = 0;

  if (!scope_entry_build(j) || !jg_path(j, NULL, path, sizeof(path)))
    return 0;

  /* Without N_S, an empty Join Request gets a new one from the KDC in its
   * 4.00 (OSCORE profile section 6.2). */
  if (j->has_key && j->n_s_len == 0) {
    int got;

    printf("no kdcchallenge yet; asking the KDC for one\n");
    if (!jg_request(j, GKDC_POST, path, NULL, 0, &reply))
      return 0;
    got = jg_take_challenge(j, &reply);
    if (!got)
      jg_print_error("the empty Join Request", &reply);
    gkdc_tool_reply_clear(&reply);
    if (!got)
      return 0;
  }

  for (attempt = 0; attempt < 2 && !ok; attempt++) {
    memset(&reply, 0, sizeof(reply));
    free(req);
    req = NULL;
    if (!join_request_build(j, &req, &req_len) ||
        !jg_request(j, GKDC_POST, path, req, req_len, &reply))
      break;

    if (GKDC_CODE_CLASS(reply.code) == 2) {
      ok = join_response_apply(j, reply.payload, reply.payload_len);
      if (ok)
        node_name_take(j, path, reply.location_path);
    } else if (attempt == 0 && jg_take_challenge(j, &reply)) {
      /* Retry once with the new N_S and a fresh N_C. */
    } else {
      jg_print_error("the Join Request", &reply);
      gkdc_tool_reply_clear(&reply);
      break;
    }
    gkdc_tool_reply_clear(&reply);
  }
  free(req);
  return ok;
}

int gkdc_join_group_kdcchallenge(const uint8_t *payload, size_t len, struct gkdc_bytes *out)
{
  struct gkdc_cbor_dec d, v;

  out->ptr = NULL;
  out->len = 0;
  return gkdc_cbor_dec_init(&d, payload, len, NULL) == GKDC_CBOR_OK &&
         gkdc_cbor_dec_enter_map(&d, NULL) &&
         gkdc_cbor_dec_map_find_int(&d, GKDC_OAUTH_KDCCHALLENGE, &v) &&
         gkdc_cbor_dec_get_bstr(&v, out) && out->len > 0;
}

/* True when `id` (a gname or an array of them) names `group`. */
static int info_names_group(struct gkdc_cbor_dec *d, const char *group)
{
  struct gkdc_bytes name;
  size_t n = 0;
  size_t i;
  int found = 0;

  if (gkdc_cbor_dec_peek_type(d) == GKDC_CBOR_TYPE_TSTR)
    return gkdc_cbor_dec_get_tstr(d, &name) && name.len == strlen(group) &&
           memcmp(name.ptr, group, name.len) == 0;
  if (!gkdc_cbor_dec_enter_array(d, &n))
    return 0;
  for (i = 0; i < n; i++)
    if (gkdc_cbor_dec_get_tstr(d, &name) && name.len == strlen(group) &&
        memcmp(name.ptr, group, name.len) == 0)
      found = 1;
  gkdc_cbor_dec_exit(d);
  return found;
}

/*
 * Reads the group's sign_info entry [id, sign_alg, sign_parameters,
 * sign_key_parameters, cred_fmt] from a Token Transfer Response, keeps
 * sign_alg for the PoP and checks that the node's credential fits. Groups
 * without an entry (pairwise-only, or not asked) pass.
 */
static int sign_info_check(gkdc_join_group *j, struct gkdc_bytes ttr, const char *key_file)
{
  struct gkdc_cbor_dec d, v;
  size_t n = 0;
  size_t i;

  if (gkdc_cbor_dec_init(&d, ttr.ptr, ttr.len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL) ||
      !gkdc_cbor_dec_map_find_int(&d, GKDC_OAUTH_SIGN_INFO, &v) ||
      gkdc_cbor_dec_peek_type(&v) != GKDC_CBOR_TYPE_ARRAY || !gkdc_cbor_dec_enter_array(&v, &n))
    return 1;

  for (i = 0; i < n; i++) {
    int64_t alg = 0, kty = 0, crv = 0, fmt = 0;
    size_t k = 0;

    if (!gkdc_cbor_dec_enter_array(&v, &k) || k < 5)
      break;
    if (!info_names_group(&v, j->group)) {
      gkdc_cbor_dec_exit(&v);
      continue;
    }
    if (!gkdc_cbor_dec_get_int(&v, &alg) || !gkdc_cbor_dec_skip(&v) ||
        !gkdc_cbor_dec_enter_array(&v, &k) || k < 1 || !gkdc_cbor_dec_get_int(&v, &kty) ||
        (k > 1 && !gkdc_cbor_dec_get_int(&v, &crv)) || !gkdc_cbor_dec_exit(&v) ||
        (gkdc_cbor_dec_peek_type(&v) != GKDC_CBOR_TYPE_NULL && !gkdc_cbor_dec_get_int(&v, &fmt)))
      break;
    if (alg < INT32_MIN || alg > INT32_MAX)
      break;
    if (kty < INT32_MIN || kty > INT32_MAX || crv < INT32_MIN || crv > INT32_MAX)
      break;
    j->sign_alg = (int32_t)alg;
    j->sign_kty = (int32_t)kty;
    j->sign_curve = (int32_t)crv;
    printf("sign_info of %s: sign_alg %lld, key type %lld, curve %lld, cred_fmt %lld\n",
           j->group, (long long)alg, (long long)kty, (long long)crv, (long long)fmt);
    if (j->has_key && !jg_key_fits(j, &j->key, key_file))
      return 0;
    if (j->has_key && fmt != 0 && fmt != GKDC_COSE_HDR_KCCS) {
      fprintf(stderr, "gkdc join: group %s uses credential format %lld; this tool has CCS "
                      "(%d) only\n", j->group, (long long)fmt, GKDC_COSE_HDR_KCCS);
      return 0;
    }
    return 1;
  }
  if (gkdc_cbor_dec_error(&v) != GKDC_CBOR_OK)
    fprintf(stderr, "gkdc join: ignoring a malformed sign_info\n");
  return 1;
}

/* ---- Lifecycle ---- */

gkdc_join_group *gkdc_join_group_new(gkdc_client *c, gkdc_client_session *s,
                                     const struct gkdc_join_group_args *args)
{
  gkdc_join_group *j;

  if (args->group == NULL || strlen(args->group) >= JG_NAME_MAX ||
      strchr(args->group, '/') != NULL) {
    fprintf(stderr, "gkdc join: invalid group name\n");
    return NULL;
  }
  if (args->kdcchallenge.len > JG_NONCE_MAX) {
    fprintf(stderr, "gkdc join: the kdcchallenge is longer than %d bytes\n", JG_NONCE_MAX);
    return NULL;
  }
  j = calloc(1, sizeof(*j));
  if (j == NULL)
    return NULL;
  j->c = c;
  j->s = s;
  snprintf(j->group, sizeof(j->group), "%s", args->group);
  snprintf(j->root, sizeof(j->root), "%s", args->root != NULL ? args->root : GKDC_KDC_ROOT_PATH);
  j->roles = args->roles;
  j->pop_flags = args->pop_flags;
  if (args->kdcchallenge.len > 0)
    memcpy(j->n_s, args->kdcchallenge.ptr, args->kdcchallenge.len);
  j->n_s_len = args->kdcchallenge.len;

  if (args->key_file != NULL) {
    if (!jg_key_load(args->key_file, args->cred_file, &j->key)) {
      free(j);
      return NULL;
    }
    j->has_key = 1;
  }

  if (args->token_transfer_response.len > 0) {
    struct gkdc_bytes n_s;

    if (j->n_s_len == 0 &&
        gkdc_join_group_kdcchallenge(args->token_transfer_response.ptr,
                                     args->token_transfer_response.len, &n_s) &&
        n_s.len <= sizeof(j->n_s)) {
      memcpy(j->n_s, n_s.ptr, n_s.len);
      j->n_s_len = n_s.len;
    }
    if (!sign_info_check(j, args->token_transfer_response, args->key_file)) {
      gkdc_join_group_free(j);
      return NULL;
    }
  }
  return j;
}

void gkdc_join_group_free(gkdc_join_group *j)
{
  if (j == NULL)
    return;
  if (j->has_key)
    jg_key_clear(&j->key);
  gkdc_groupctx_free(j->ctx);
  gkdc_wipe(j, sizeof(*j));
  free(j);
}

const gkdc_groupctx *gkdc_join_group_ctx_get0(const gkdc_join_group *j)
{
  return j == NULL ? NULL : j->ctx;
}

int gkdc_join_group_write(const gkdc_join_group *j, const char *path)
{
  struct gkdc_groupctx_meta meta;
  int err = 0;

  if (j->ctx == NULL) {
    fprintf(stderr, "gkdc join: no Group OSCORE context to write\n");
    return 0;
  }
  meta.group_name = j->group;
  meta.has_num = 1;
  meta.num = j->num;
  if (!gkdc_groupctx_write_file(j->ctx, &meta, path, &err)) {
    fprintf(stderr, "gkdc join: cannot write %s: %s\n", path, gkdc_groupctx_err_str(err));
    return 0;
  }
  printf("Group OSCORE context written to %s\n", path);
  return 1;
}
