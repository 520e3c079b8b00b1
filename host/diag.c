/*
 * CBOR diagnostic notation (RFC 8949 section 8) with labels for the
 * structures gkdc handles: CWT claims (RFC 8392, RFC 9200), cnf (RFC 8747,
 * RFC 9203), COSE headers and messages (RFC 9052), COSE_Key,
 * OSCORE_Input_Material and Group_OSCORE_Input_Material, the OAuth
 * parameters of ACE (RFC 9200, RFC 9203) and the ACE Groupcomm parameters
 * (RFC 9594 and the Group OSCORE application profile). Labels are comments (`/ iss / 1: "..."`), so the
 * output stays valid diagnostic notation.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/cbor.h>

/* Nesting of embedded byte strings printed as <<...>>; deeper ones print
 * as plain bytes so hostile input cannot exhaust the stack. */
#define MAX_EMBED_DEPTH 8

/* The registry that names the keys of a map, or the kind of an array. */
enum ctx {
  CTX_NONE,
  CTX_CLAIMS,
  CTX_CNF,
  CTX_COSE_KEY,
  CTX_HEADERS,
  CTX_OSC,
  CTX_ACE,
  CTX_GROUPCOMM,
  CTX_CRED_LIST, /* an array of byte strings, each a CCS */
  CTX_COSE_SIGN1,
  CTX_COSE_MAC0,
  CTX_COSE_ENCRYPT0,
  CTX_COSE_UNTAGGED4, /* untagged Sign1 or Mac0 */
  CTX_GROUPCTX,           /* a Group OSCORE context file of `gkdc join --out` */
  CTX_GROUPCTX_RECIPIENTS, /* its array of Recipient Contexts */
  CTX_GROUPCTX_RECIPIENT,
};

struct printer {
  FILE *out;
  unsigned flags;
  unsigned embed_depth;
};

struct name {
  int64_t value;
  const char *name;
};

static const struct name claim_names[] = {
    {1, "iss"}, {2, "sub"}, {3, "aud"}, {4, "exp"}, {5, "nbf"}, {6, "iat"},
    {7, "cti"}, {8, "cnf"}, {9, "scope"}, {38, "ace_profile"}, {39, "cnonce"},
    {40, "exi"}, {0, NULL},
};

static const struct name cnf_names[] = {
    {1, "COSE_Key"}, {2, "Encrypted_COSE_Key"}, {3, "kid"}, {4, "osc"}, {5, "ckt"},
    {0, NULL},
};

static const struct name header_names[] = {
    {1, "alg"}, {2, "crit"}, {3, "content type"}, {4, "kid"}, {5, "IV"},
    {6, "Partial IV"}, {10, "kid context"}, {13, "kcwt"}, {14, "kccs"},
    {22, "c5t"}, {23, "c5u"}, {24, "c5b"}, {25, "c5c"}, {32, "x5bag"},
    {33, "x5chain"}, {34, "x5t"}, {35, "x5u"}, {0, NULL},
};

static const struct name key_names[] = {
    {1, "kty"}, {2, "kid"}, {3, "alg"}, {4, "key_ops"}, {5, "Base IV"},
    {-2, "x"}, {-3, "y"}, {-4, "d"}, {0, NULL},
};

/* OSCORE_Input_Material (RFC 9203) and the labels 7 to 13 that
 * Group_OSCORE_Input_Material adds. */
static const struct name osc_names[] = {
    {0, "id"}, {1, "version"}, {2, "ms"}, {3, "hkdf"}, {4, "alg"}, {5, "salt"},
    {6, "contextId"}, {7, "group_SenderId"}, {8, "cred_fmt"}, {9, "gp_enc_alg"},
    {10, "sign_alg"}, {11, "sign_params"}, {12, "ecdh_alg"}, {13, "ecdh_params"},
    {0, NULL},
};

/* OAuth Parameters CBOR Mappings (RFC 9200, RFC 9201, RFC 9203, RFC 9594,
 * and 47/48 of the Group OSCORE application profile). */
static const struct name ace_names[] = {
    {1, "access_token"}, {2, "expires_in"}, {4, "req_cnf"}, {5, "audience"},
    {8, "cnf"}, {9, "scope"}, {24, "client_id"}, {25, "client_secret"},
    {30, "error"}, {31, "error_description"}, {32, "error_uri"}, {33, "grant_type"},
    {34, "token_type"}, {37, "refresh_token"}, {38, "ace_profile"}, {39, "cnonce"},
    {40, "nonce1"}, {41, "rs_cnf"}, {42, "nonce2"}, {43, "ace_client_recipientid"},
    {44, "ace_server_recipientid"}, {45, "sign_info"}, {46, "kdcchallenge"},
    {47, "ecdh_info"}, {48, "kdc_dh_creds"}, {0, NULL},
};

/* ACE Groupcomm Parameters (RFC 9594 section 8, and 21, 31 to 34 of the
 * Group OSCORE application profile). */
static const struct name groupcomm_names[] = {
    {0, "gid"}, {1, "gname"}, {2, "guri"}, {3, "scope"}, {4, "get_creds"},
    {5, "client_cred"}, {6, "cnonce"}, {7, "gkty"}, {8, "key"}, {9, "num"},
    {10, "ace_groupcomm_profile"}, {11, "exp"}, {12, "exi"}, {13, "creds"},
    {14, "peer_roles"}, {15, "peer_identifiers"}, {16, "group_policies"},
    {17, "kdc_cred"}, {18, "kdc_nonce"}, {19, "kdc_cred_verify"},
    {20, "rekeying_scheme"}, {21, "group_SenderId"}, {24, "client_cred_verify"},
    {25, "creds_repo"}, {26, "control_uri"}, {27, "mgt_key_material"},
    {28, "control_group_uri"}, {29, "sign_info"}, {30, "kdcchallenge"},
    {31, "ecdh_info"}, {32, "kdc_dh_creds"}, {33, "sign_enc_key"},
    {34, "stale_node_ids"}, {0, NULL},
};

/* The context file that `gkdc join --out` writes (<gkdc/groupctx.h>):
 * labels 2 to 13 as in Group_OSCORE_Input_Material, the others gkdc's. */
static const struct name groupctx_names[] = {
    {0, "format version"}, {1, "group name"}, {2, "ms"}, {3, "hkdf"}, {4, "alg"},
    {5, "salt"}, {6, "Gid"}, {7, "Sender ID"}, {8, "cred_fmt"}, {9, "gp_enc_alg"},
    {10, "sign_alg"}, {11, "sign curve"}, {12, "ecdh_alg"}, {13, "ecdh curve"},
    {20, "Sender Key"}, {21, "Common IV"}, {22, "Signature Encryption Key"},
    {23, "own credential"}, {24, "Group Manager credential"}, {25, "num"},
    {26, "Recipient Contexts"}, {0, NULL},
};

static const struct name groupctx_recipient_names[] = {
    {0, "Recipient ID"}, {1, "credential"}, {2, "Recipient Key"},
    {3, "Pairwise Sender Key"}, {4, "Pairwise Recipient Key"}, {5, "roles"}, {0, NULL},
};

static const struct name alg_names[] = {
    {1, "A128GCM"}, {2, "A192GCM"}, {3, "A256GCM"}, {4, "HMAC 256/64"},
    {5, "HMAC 256/256"}, {6, "HMAC 384/384"}, {7, "HMAC 512/512"},
    {10, "AES-CCM-16-64-128"}, {11, "AES-CCM-16-64-256"}, {12, "AES-CCM-64-64-128"},
    {13, "AES-CCM-64-64-256"}, {24, "ChaCha20/Poly1305"}, {30, "AES-CCM-16-128-128"},
    {31, "AES-CCM-16-128-256"}, {32, "AES-CCM-64-128-128"}, {33, "AES-CCM-64-128-256"},
    {-7, "ES256"}, {-8, "EdDSA"}, {-10, "direct+HKDF-SHA-256"},
    {-11, "direct+HKDF-SHA-512"}, {-16, "SHA-256"}, {-27, "ECDH-SS + HKDF-256"},
    {-28, "ECDH-SS + HKDF-512"}, {-35, "ES384"}, {-36, "ES512"}, {-44, "SHA-512"},
    {-65534, "A128CTR"}, {0, NULL},
};

static const struct name kty_names[] = {
    {1, "OKP"}, {2, "EC2"}, {3, "RSA"}, {4, "Symmetric"}, {0, NULL},
};

static const struct name crv_names[] = {
    {1, "P-256"}, {2, "P-384"}, {3, "P-521"}, {4, "X25519"}, {5, "X448"},
    {6, "Ed25519"}, {7, "Ed448"}, {0, NULL},
};

static const struct name profile_names[] = {
    {1, "coap_dtls"}, {2, "coap_oscore"}, {3, "mqtt_tls"}, {0, NULL},
};

static const char *lookup(const struct name *table, int64_t v)
{
  for (; table != NULL && table->name != NULL; table++) {
    if (table->value == v)
      return table->name;
  }
  return NULL;
}

static void print_item(struct printer *p, struct gkdc_cbor_dec *d, enum ctx ctx,
                       unsigned indent);

static void newline(struct printer *p, unsigned indent)
{
  if (p->flags & GKDC_DIAG_PRETTY)
    fprintf(p->out, "\n%*s", (int)(indent * 2), "");
}

static void print_hex(struct printer *p, const struct gkdc_bytes *b)
{
  size_t i;

  fputs("h'", p->out);
  for (i = 0; i < b->len; i++)
    fprintf(p->out, "%02x", b->ptr[i]);
  fputc('\'', p->out);
}

/* Prints a text string with the escapes of JSON, which RFC 8949 section
 * 8 uses for text strings. */
static void print_tstr(struct printer *p, const struct gkdc_bytes *s)
{
  size_t i;

  fputc('"', p->out);
  for (i = 0; i < s->len; i++) {
    uint8_t c = s->ptr[i];

    if (c == '"' || c == '\\')
      fprintf(p->out, "\\%c", c);
    else if (c < 0x20 || c == 0x7f)
      fprintf(p->out, "\\u%04x", c);
    else
      fputc(c, p->out);
  }
  fputc('"', p->out);
}

/* Returns 1 when every byte is printable ASCII, for 'text' comments. */
static int printable(const struct gkdc_bytes *b)
{
  size_t i;

  if (b->len == 0)
    return 0;
  for (i = 0; i < b->len; i++) {
    if (b->ptr[i] < 0x20 || b->ptr[i] > 0x7e || b->ptr[i] == '/' || b->ptr[i] == '\'')
      return 0;
  }
  return 1;
}

static void print_float(struct printer *p, double f)
{
  char text[40];
  int digits;

  if (isnan(f)) {
    fputs("NaN", p->out);
    return;
  }
  if (isinf(f)) {
    fputs(f > 0 ? "Infinity" : "-Infinity", p->out);
    return;
  }
  if (f > -1e15 && f < 1e15 && f == (double)(int64_t)f) {
    fprintf(p->out, "%.1f", f);
    return;
  }

  /* The fewest digits that read back as the same double. */
  for (digits = 6; digits < 17; digits++) {
    snprintf(text, sizeof(text), "%.*g", digits, f);
    if (strtod(text, NULL) == f)
      break;
  }
  snprintf(text, sizeof(text), "%.*g", digits, f);
  fputs(text, p->out);
}

/*
 * Tries to print a byte string's content as embedded CBOR (<<...>>).
 * Returns 0 without printing when the content is not one valid item.
 */
static int print_embedded(struct printer *p, const struct gkdc_bytes *b, enum ctx ctx,
                          unsigned indent)
{
  struct gkdc_cbor_dec inner;

  if (p->embed_depth >= MAX_EMBED_DEPTH || b->len == 0)
    return 0;
  if (gkdc_cbor_dec_init(&inner, b->ptr, b->len, NULL) != GKDC_CBOR_OK)
    return 0;

  p->embed_depth++;
  fputs("<< ", p->out);
  print_item(p, &inner, ctx, indent);
  fputs(" >>", p->out);
  p->embed_depth--;
  return 1;
}

/* True for content worth showing as embedded CBOR without a context:
 * a container or a tag of at least two bytes. */
static int looks_embedded(const struct gkdc_bytes *b)
{
  uint8_t major;

  if (b->len < 2)
    return 0;
  major = b->ptr[0] >> 5;
  return major == 4 || major == 5 || major == 6;
}

/* Prints a byte string in context `ctx` (the context of its content). */
static void print_bstr(struct printer *p, const struct gkdc_bytes *b, enum ctx ctx,
                       unsigned indent)
{
  int embedded = 0;

  if (p->flags & GKDC_DIAG_EMBEDDED) {
    if (ctx != CTX_NONE || looks_embedded(b))
      embedded = print_embedded(p, b, ctx, indent);
  }
  if (!embedded) {
    print_hex(p, b);
    if ((p->flags & GKDC_DIAG_LABELS) && printable(b))
      fprintf(p->out, " / '%.*s' /", (int)b->len, (const char *)b->ptr);
  }
}

/* Reads the int value at `label` of the map `d` is inside, for the kty
 * that decides what COSE_Key label -1 means. */
static int64_t map_int(struct gkdc_cbor_dec *d, int64_t label)
{
  struct gkdc_cbor_dec v;
  int64_t value = 0;
  enum gkdc_cbor_type t;

  if (!gkdc_cbor_dec_map_find_int(d, label, &v))
    return 0;
  t = gkdc_cbor_dec_peek_type(&v);
  if ((t == GKDC_CBOR_TYPE_UINT || t == GKDC_CBOR_TYPE_NEGINT) &&
      gkdc_cbor_dec_get_int(&v, &value))
    return value;
  return 0;
}

/* The names of the keys of a map in `ctx`. */
static const struct name *key_table(enum ctx ctx)
{
  switch (ctx) {
  case CTX_CLAIMS: return claim_names;
  case CTX_CNF: return cnf_names;
  case CTX_COSE_KEY: return key_names;
  case CTX_HEADERS: return header_names;
  case CTX_OSC: return osc_names;
  case CTX_ACE: return ace_names;
  case CTX_GROUPCOMM: return groupcomm_names;
  case CTX_GROUPCTX: return groupctx_names;
  case CTX_GROUPCTX_RECIPIENT: return groupctx_recipient_names;
  default: return NULL;
  }
}

/* The context of the value of `label` in a map of `ctx`. */
static enum ctx value_ctx(enum ctx ctx, int64_t label)
{
  if (ctx == CTX_CLAIMS && label == 8)
    return CTX_CNF;
  if (ctx == CTX_CNF && label == 1)
    return CTX_COSE_KEY;
  if (ctx == CTX_CNF && label == 4)
    return CTX_OSC;
  if (ctx == CTX_HEADERS && label == 14)
    return CTX_CLAIMS;
  if (ctx == CTX_ACE && (label == 4 || label == 8 || label == 41))
    return CTX_CNF;
  if (ctx == CTX_GROUPCOMM && label == 8)
    return CTX_OSC;
  if (ctx == CTX_GROUPCOMM && (label == 5 || label == 17))
    return CTX_CLAIMS; /* a CCS credential in a bstr */
  if (ctx == CTX_GROUPCOMM && label == 13)
    return CTX_CRED_LIST;
  if ((ctx == CTX_GROUPCTX && (label == 23 || label == 24)) ||
      (ctx == CTX_GROUPCTX_RECIPIENT && label == 1))
    return CTX_CLAIMS; /* a CCS credential in a bstr */
  if (ctx == CTX_GROUPCTX && label == 26)
    return CTX_GROUPCTX_RECIPIENTS;
  return CTX_NONE;
}

/* The table naming the integer value of `label` in a map of `ctx`. */
static const struct name *value_table(enum ctx ctx, int64_t label, int64_t kty)
{
  if ((ctx == CTX_HEADERS && label == 1) || (ctx == CTX_COSE_KEY && label == 3) ||
      (ctx == CTX_OSC && (label == 3 || label == 4 || label == 9 || label == 10 ||
                          label == 12)))
    return alg_names;
  if (ctx == CTX_GROUPCTX && (label == 3 || label == 4 || label == 9 || label == 10 ||
                              label == 12))
    return alg_names;
  if ((ctx == CTX_OSC || ctx == CTX_GROUPCTX) && label == 8)
    return header_names; /* cred_fmt: a COSE header label such as kccs */
  if (ctx == CTX_COSE_KEY && label == 1)
    return kty_names;
  if (ctx == CTX_COSE_KEY && label == -1 && kty != 4)
    return crv_names;
  if ((ctx == CTX_CLAIMS || ctx == CTX_ACE) && label == 38)
    return profile_names;
  return NULL;
}

/* Prints an integer, with a name comment from `names` when it has one. */
static void print_int_named(struct printer *p, struct gkdc_cbor_dec *d,
                            const struct name *names)
{
  struct gkdc_bytes raw;
  struct gkdc_cbor_dec one;
  uint64_t u = 0;
  int64_t i = 0;
  const char *name = NULL;

  gkdc_cbor_dec_get_raw(d, &raw);
  gkdc_cbor_dec_init(&one, raw.ptr, raw.len, NULL);
  if (gkdc_cbor_dec_peek_type(&one) == GKDC_CBOR_TYPE_UINT) {
    gkdc_cbor_dec_get_uint(&one, &u);
    fprintf(p->out, "%" PRIu64, u);
    if (u <= INT64_MAX)
      name = lookup(names, (int64_t)u);
  } else if (gkdc_cbor_dec_get_int(&one, &i)) {
    fprintf(p->out, "%" PRId64, i);
    name = lookup(names, i);
  } else {
    /* -1 - n with n beyond INT64_MAX: the head is 0x3b and 8 bytes of n. */
    u = 0;
    for (size_t k = 1; k < raw.len; k++)
      u = (u << 8) | raw.ptr[k];
    if (u == UINT64_MAX)
      fputs("-18446744073709551616", p->out);
    else
      fprintf(p->out, "-%" PRIu64, u + 1);
  }
  if (name != NULL && (p->flags & GKDC_DIAG_LABELS))
    fprintf(p->out, " / %s /", name);
}

static void print_map(struct printer *p, struct gkdc_cbor_dec *d, enum ctx ctx,
                      unsigned indent)
{
  const struct name *keys = (p->flags & GKDC_DIAG_LABELS) ? key_table(ctx) : NULL;
  size_t pairs = 0;
  size_t i;
  int64_t kty = 0;

  gkdc_cbor_dec_enter_map(d, &pairs);
  if (ctx == CTX_COSE_KEY)
    kty = map_int(d, 1);
  fputc('{', p->out);

  for (i = 0; i < pairs && gkdc_cbor_dec_error(d) == GKDC_CBOR_OK; i++) {
    enum gkdc_cbor_type kt = gkdc_cbor_dec_peek_type(d);
    int64_t label = INT64_MIN;
    const char *name = NULL;

    newline(p, indent + 1);
    if (kt == GKDC_CBOR_TYPE_UINT || kt == GKDC_CBOR_TYPE_NEGINT) {
      struct gkdc_bytes raw;
      struct gkdc_cbor_dec kd;

      gkdc_cbor_dec_get_raw(d, &raw);
      gkdc_cbor_dec_init(&kd, raw.ptr, raw.len, NULL);
      if (!gkdc_cbor_dec_get_int(&kd, &label))
        label = INT64_MIN;
      if (ctx == CTX_COSE_KEY && label == -1)
        name = kty == 4 ? "k" : "crv";
      else if (label != INT64_MIN)
        name = lookup(keys, label);
      if (name != NULL && keys != NULL)
        fprintf(p->out, "/ %s / ", name);
      gkdc_cbor_dec_init(&kd, raw.ptr, raw.len, NULL);
      print_item(p, &kd, CTX_NONE, indent + 1);
    } else {
      print_item(p, d, CTX_NONE, indent + 1);
    }
    fputs(": ", p->out);

    /* The value: a named integer, a labelled structure, or plain. */
    {
      const struct name *values =
          (p->flags & GKDC_DIAG_LABELS) ? value_table(ctx, label, kty) : NULL;
      enum gkdc_cbor_type vt = gkdc_cbor_dec_peek_type(d);

      if (values != NULL && (vt == GKDC_CBOR_TYPE_UINT || vt == GKDC_CBOR_TYPE_NEGINT))
        print_int_named(p, d, values);
      else
        print_item(p, d, (p->flags & GKDC_DIAG_LABELS) ? value_ctx(ctx, label) : CTX_NONE,
                   indent + 1);
    }
    if (i + 1 < pairs)
      fputs((p->flags & GKDC_DIAG_PRETTY) ? "," : ", ", p->out);
  }

  gkdc_cbor_dec_exit(d);
  if (pairs > 0)
    newline(p, indent);
  fputc('}', p->out);
}

/* Comment names of the elements of a COSE message array. */
static const char *cose_element(enum ctx ctx, size_t i)
{
  static const char *const sign1[] = {"protected", "unprotected", "payload", "signature"};
  static const char *const mac0[] = {"protected", "unprotected", "payload", "tag"};
  static const char *const enc0[] = {"protected", "unprotected", "ciphertext"};
  static const char *const either[] = {"protected", "unprotected", "payload",
                                       "signature or tag"};

  switch (ctx) {
  case CTX_COSE_SIGN1: return i < 4 ? sign1[i] : NULL;
  case CTX_COSE_MAC0: return i < 4 ? mac0[i] : NULL;
  case CTX_COSE_ENCRYPT0: return i < 3 ? enc0[i] : NULL;
  case CTX_COSE_UNTAGGED4: return i < 4 ? either[i] : NULL;
  default: return NULL;
  }
}

/* The context of element `i` of a COSE message array. */
static enum ctx cose_element_ctx(enum ctx ctx, size_t i)
{
  if (i == 0)
    return CTX_HEADERS; /* the protected bstr wraps a header map */
  if (i == 1)
    return CTX_HEADERS;
  if (i == 2 && ctx != CTX_COSE_ENCRYPT0)
    return CTX_CLAIMS; /* the payload of a CWT */
  return CTX_NONE;
}

static void print_array(struct printer *p, struct gkdc_cbor_dec *d, enum ctx ctx,
                        unsigned indent)
{
  size_t count = 0;
  size_t i;
  int labels = (p->flags & GKDC_DIAG_LABELS) != 0;

  gkdc_cbor_dec_enter_array(d, &count);
  fputc('[', p->out);
  for (i = 0; i < count && gkdc_cbor_dec_error(d) == GKDC_CBOR_OK; i++) {
    const char *name = labels ? cose_element(ctx, i) : NULL;

    newline(p, indent + 1);
    if (name != NULL) {
      fprintf(p->out, "/ %s / ", name);
      print_item(p, d, cose_element_ctx(ctx, i), indent + 1);
    } else {
      enum ctx element = CTX_NONE;

      if (ctx == CTX_CRED_LIST)
        element = CTX_CLAIMS;
      else if (ctx == CTX_GROUPCTX_RECIPIENTS)
        element = CTX_GROUPCTX_RECIPIENT;
      print_item(p, d, element, indent + 1);
    }
    if (i + 1 < count)
      fputs((p->flags & GKDC_DIAG_PRETTY) ? "," : ", ", p->out);
  }
  gkdc_cbor_dec_exit(d);
  if (count > 0)
    newline(p, indent);
  fputc(']', p->out);
}

/* Context of the content of tag `tag`; a CWT tag (61) has a COSE tag
 * inside that names the message. */
static enum ctx tag_ctx(uint64_t tag)
{
  switch (tag) {
  case 16: return CTX_COSE_ENCRYPT0;
  case 17: return CTX_COSE_MAC0;
  case 18: return CTX_COSE_SIGN1;
  default: return CTX_NONE;
  }
}

static void print_item(struct printer *p, struct gkdc_cbor_dec *d, enum ctx ctx,
                       unsigned indent)
{
  struct gkdc_bytes b;
  uint64_t u = 0;
  double f = 0;

  switch (gkdc_cbor_dec_peek_type(d)) {
  case GKDC_CBOR_TYPE_UINT:
  case GKDC_CBOR_TYPE_NEGINT:
    print_int_named(p, d, NULL);
    break;
  case GKDC_CBOR_TYPE_BSTR:
    gkdc_cbor_dec_get_bstr(d, &b);
    print_bstr(p, &b, ctx == CTX_HEADERS || ctx == CTX_CLAIMS ? ctx : CTX_NONE, indent);
    break;
  case GKDC_CBOR_TYPE_TSTR:
    gkdc_cbor_dec_get_tstr(d, &b);
    print_tstr(p, &b);
    break;
  case GKDC_CBOR_TYPE_ARRAY:
    print_array(p, d, ctx, indent);
    break;
  case GKDC_CBOR_TYPE_MAP:
    print_map(p, d, ctx, indent);
    break;
  case GKDC_CBOR_TYPE_TAG:
    gkdc_cbor_dec_get_tag(d, &u);
    fprintf(p->out, "%" PRIu64 "(", u);
    print_item(p, d, (p->flags & GKDC_DIAG_LABELS) ? tag_ctx(u) : CTX_NONE, indent);
    fputc(')', p->out);
    break;
  case GKDC_CBOR_TYPE_FALSE:
  case GKDC_CBOR_TYPE_TRUE:
    fputs(gkdc_cbor_dec_peek_type(d) == GKDC_CBOR_TYPE_TRUE ? "true" : "false", p->out);
    gkdc_cbor_dec_skip(d);
    break;
  case GKDC_CBOR_TYPE_NULL:
    fputs("null", p->out);
    gkdc_cbor_dec_skip(d);
    break;
  case GKDC_CBOR_TYPE_UNDEFINED:
    fputs("undefined", p->out);
    gkdc_cbor_dec_skip(d);
    break;
  case GKDC_CBOR_TYPE_FLOAT:
    gkdc_cbor_dec_get_float(d, &f);
    print_float(p, f);
    break;
  default:
    gkdc_cbor_dec_skip(d);
    break;
  }
}

/*
 * Guesses what an untagged top-level item is: a COSE array (protected
 * bstr, unprotected map, bstr or nil payload), a COSE_Key (kty 1, 2 or 4
 * and a negative label), or a claims set (only claim keys). A map with
 * format version 1 at label 0, a Gid and a Common IV is a Group OSCORE
 * context file.
 */
static enum ctx guess_ctx(const uint8_t *buf, size_t len)
{
  struct gkdc_cbor_dec d, v;
  size_t n = 0;
  size_t i;
  size_t claims = 0;
  int negative = 0;
  int64_t kty;

  gkdc_cbor_dec_init(&d, buf, len, NULL);
  if (gkdc_cbor_dec_peek_type(&d) == GKDC_CBOR_TYPE_ARRAY) {
    gkdc_cbor_dec_enter_array(&d, &n);
    if ((n != 3 && n != 4) || gkdc_cbor_dec_peek_type(&d) != GKDC_CBOR_TYPE_BSTR)
      return CTX_NONE;
    gkdc_cbor_dec_skip(&d);
    if (gkdc_cbor_dec_peek_type(&d) != GKDC_CBOR_TYPE_MAP)
      return CTX_NONE;
    return n == 3 ? CTX_COSE_ENCRYPT0 : CTX_COSE_UNTAGGED4;
  }
  if (gkdc_cbor_dec_peek_type(&d) != GKDC_CBOR_TYPE_MAP)
    return CTX_NONE;

  gkdc_cbor_dec_enter_map(&d, &n);

  /* A context file: format version 1 at label 0, a Gid and a Common IV. */
  if (map_int(&d, 0) == 1 && gkdc_cbor_dec_map_find_int(&d, 6, &v) &&
      gkdc_cbor_dec_peek_type(&v) == GKDC_CBOR_TYPE_BSTR &&
      gkdc_cbor_dec_map_find_int(&d, 21, &v) &&
      gkdc_cbor_dec_peek_type(&v) == GKDC_CBOR_TYPE_BSTR)
    return CTX_GROUPCTX;

  kty = map_int(&d, 1);
  for (i = 0; i < n; i++) {
    int64_t k = -1;
    enum gkdc_cbor_type t = gkdc_cbor_dec_peek_type(&d);

    if (t == GKDC_CBOR_TYPE_NEGINT)
      negative = 1;
    if (t == GKDC_CBOR_TYPE_UINT || t == GKDC_CBOR_TYPE_NEGINT) {
      if (gkdc_cbor_dec_get_int(&d, &k) && lookup(claim_names, k) != NULL)
        claims++;
    } else {
      gkdc_cbor_dec_skip(&d);
    }
    if (gkdc_cbor_dec_error(&d) != GKDC_CBOR_OK)
      return CTX_NONE;
    gkdc_cbor_dec_skip(&d);
  }
  if (negative && (kty == 1 || kty == 2 || kty == 4))
    return CTX_COSE_KEY;

  /* Claim names are comments, so a map that is mostly claim keys is
   * labelled even when it has private or unknown claims too. */
  return claims > 0 && 2 * claims >= n ? CTX_CLAIMS : CTX_NONE;
}

enum gkdc_cbor_err gkdc_cbor_diag(FILE *out, const uint8_t *buf, size_t len,
                                  unsigned flags, enum gkdc_diag_as as)
{
  struct printer p = {out, flags, 0};
  struct gkdc_cbor_dec d;
  enum gkdc_cbor_err err;
  enum ctx ctx = CTX_NONE;
  int first = 1;

  /* Validate everything first, so that nothing is printed for bad input. */
  err = gkdc_cbor_dec_init(&d, buf, len, NULL);
  if (err == GKDC_CBOR_ERR_TRAILING) {
    gkdc_cbor_dec_init_seq(&d, buf, len, NULL);
    while (!gkdc_cbor_dec_at_end(&d))
      gkdc_cbor_dec_skip(&d);
    err = gkdc_cbor_dec_finish(&d);
  }
  if (err != GKDC_CBOR_OK)
    return err;

  if (flags & GKDC_DIAG_LABELS) {
    if (as == GKDC_DIAG_AS_CLAIMS)
      ctx = CTX_CLAIMS;
    else if (as == GKDC_DIAG_AS_COSE_KEY)
      ctx = CTX_COSE_KEY;
    else if (as == GKDC_DIAG_AS_ACE)
      ctx = CTX_ACE;
    else if (as == GKDC_DIAG_AS_GROUPCOMM)
      ctx = CTX_GROUPCOMM;
    else if (as == GKDC_DIAG_AS_AUTO)
      ctx = guess_ctx(buf, len);
  }

  gkdc_cbor_dec_init_seq(&d, buf, len, NULL);
  while (!gkdc_cbor_dec_at_end(&d)) {
    if (!first)
      fputs((flags & GKDC_DIAG_PRETTY) ? ",\n" : ", ", out);
    if (first && ctx == CTX_COSE_UNTAGGED4)
      fputs("/ untagged COSE_Sign1 or COSE_Mac0 / ", out);
    else if (first && ctx == CTX_COSE_ENCRYPT0 &&
             gkdc_cbor_dec_peek_type(&d) == GKDC_CBOR_TYPE_ARRAY)
      fputs("/ untagged COSE_Encrypt0 / ", out);
    print_item(&p, &d, first ? ctx : CTX_NONE, 0);
    first = 0;
  }
  fputc('\n', out);
  return gkdc_cbor_dec_finish(&d);
}
