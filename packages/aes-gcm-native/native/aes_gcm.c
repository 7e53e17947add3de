/*
 * AES-256-GCM with one OpenSSL cipher context per key, for xkslab's `native` engine.
 *
 * node:crypto builds a new EVP_CIPHER_CTX and expands the AES key schedule on every call. Here a
 * context is made once per key and each call only sets the IV, adds the AAD, runs the data and
 * reads or checks the tag. The OpenSSL is the one inside the Node.js process (its headers ship
 * with Node's), so the engine has the same AES-NI code as node:crypto.
 *
 * One context serves both directions: GCM runs the AES forward cipher either way, and each call
 * sets the direction with the IV (EVP_CipherInit_ex with no cipher and no key keeps the schedule).
 * Every call passes the key too: a context whose key differs (CRYPTO_memcmp over 32 bytes) is
 * rekeyed first, so a context can never encrypt under a key other than the one passed. release()
 * frees the context at once (EVP_CIPHER_CTX_free cleanses the key schedule) and cleanses the copy
 * of the key; the garbage collector's finalizer does the same for a context never released.
 */
#include <limits.h>
#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define KEY_BYTES 32
#define TAG_BYTES 16

typedef struct {
  unsigned char key[KEY_BYTES];
  EVP_CIPHER_CTX *ctx; /* keyed on first use */
  int iv_len;
  int released;
} KeyContext;

typedef struct {
  unsigned char *data;
  size_t length;
} Bytes;

/* Marks the externals this addon made, so that no other external is ever taken for a context. */
static const napi_type_tag KEY_CONTEXT_TAG = {0x786b736c61622d61ULL, 0x65732d67636d2d31ULL};

/* The KeyContext behind `value`, or NULL when it is not one of this addon's contexts. */
static KeyContext *as_context(napi_env env, napi_value value) {
  napi_valuetype type;
  bool tagged = false;
  KeyContext *k = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external) return NULL;
  if (napi_check_object_type_tag(env, value, &KEY_CONTEXT_TAG, &tagged) != napi_ok || !tagged) {
    return NULL;
  }
  if (napi_get_value_external(env, value, (void **)&k) != napi_ok) return NULL;
  return k;
}

static void release_context(KeyContext *k) {
  if (k->released) return;
  EVP_CIPHER_CTX_free(k->ctx);
  k->ctx = NULL;
  OPENSSL_cleanse(k->key, KEY_BYTES);
  k->released = 1;
}

static void finalize_context(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  release_context((KeyContext *)data);
  free(data);
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static napi_value throw_openssl(napi_env env, const char *what) {
  napi_throw_error(env, "ERR_XKSLAB_AES_GCM", what);
  return NULL;
}

/* A Uint8Array argument; its data pointer may be NULL when it is empty. */
static int get_bytes(napi_env env, napi_value value, Bytes *out) {
  napi_typedarray_type type;
  void *data = NULL;
  size_t length = 0;
  bool is_typedarray = false;
  if (napi_is_typedarray(env, value, &is_typedarray) != napi_ok || !is_typedarray) return 0;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, NULL, NULL) != napi_ok) return 0;
  if (type != napi_uint8_array || length > INT_MAX) return 0;
  out->data = data;
  out->length = length;
  return 1;
}

static int get_context(napi_env env, napi_value value, KeyContext **out) {
  *out = as_context(env, value);
  return *out != NULL && !(*out)->released;
}

/*
 * The context keyed with `key`, set for an IV of `iv_len` bytes, and started for one message in
 * the direction `encrypt` under `iv`. Rekeys when the key differs from the one it holds.
 */
static EVP_CIPHER_CTX *started(KeyContext *k, const unsigned char *key, const Bytes *iv,
                               int encrypt) {
  int iv_len = (int)iv->length;
  if (CRYPTO_memcmp(k->key, key, KEY_BYTES) != 0) {
    EVP_CIPHER_CTX_free(k->ctx);
    k->ctx = NULL;
    memcpy(k->key, key, KEY_BYTES);
  }
  if (k->ctx == NULL) {
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) return NULL;
    if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, iv_len, NULL) != 1 ||
        EVP_CipherInit_ex(ctx, NULL, NULL, k->key, NULL, encrypt) != 1) {
      EVP_CIPHER_CTX_free(ctx);
      return NULL;
    }
    k->ctx = ctx;
    k->iv_len = iv_len;
  } else if (k->iv_len != iv_len) {
    if (EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_GCM_SET_IVLEN, iv_len, NULL) != 1) return NULL;
    k->iv_len = iv_len;
  }
  if (EVP_CipherInit_ex(k->ctx, NULL, NULL, NULL, iv->data, encrypt) != 1) return NULL;
  return k->ctx;
}

static napi_value new_context(napi_env env, napi_callback_info info) {
  (void)info;
  KeyContext *k = calloc(1, sizeof(KeyContext));
  if (k == NULL) return throw_openssl(env, "out of memory");
  napi_value external;
  if (napi_create_external(env, k, finalize_context, NULL, &external) != napi_ok) {
    free(k);
    return throw_openssl(env, "could not create a key context");
  }
  if (napi_type_tag_object(env, external, &KEY_CONTEXT_TAG) != napi_ok) {
    return throw_openssl(env, "could not tag a key context");
  }
  return external;
}

static napi_value release(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  KeyContext *k;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || (k = as_context(env, argv[0])) == NULL) {
    return throw_type(env, "release(context): not a key context");
  }
  release_context(k);
  return NULL;
}

/* The arguments every call shares: context, key (32 bytes), iv (12 or 16 bytes). */
static int common_args(napi_env env, napi_value *argv, KeyContext **k, Bytes *key, Bytes *iv) {
  return get_context(env, argv[0], k) && get_bytes(env, argv[1], key) &&
         key->length == KEY_BYTES && get_bytes(env, argv[2], iv) &&
         (iv->length == 12 || iv->length == 16);
}

/* encrypt(context, key, iv, plaintext, aad) -> Uint8Array ciphertext || tag */
static napi_value encrypt(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  KeyContext *k;
  Bytes key, iv, plaintext, aad;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 5 || !common_args(env, argv, &k, &key, &iv) ||
      !get_bytes(env, argv[3], &plaintext) || !get_bytes(env, argv[4], &aad) ||
      plaintext.length > INT_MAX - TAG_BYTES) {
    return throw_type(env, "encrypt(context, key, iv, plaintext, aad): bad arguments");
  }
  EVP_CIPHER_CTX *ctx = started(k, key.data, &iv, 1);
  if (ctx == NULL) return throw_openssl(env, "could not key the cipher");

  napi_value buffer, result;
  unsigned char *out;
  size_t out_length = plaintext.length + TAG_BYTES;
  if (napi_create_arraybuffer(env, out_length, (void **)&out, &buffer) != napi_ok) return NULL;
  int n = 0, tail = 0;
  if ((aad.length > 0 && EVP_EncryptUpdate(ctx, NULL, &n, aad.data, (int)aad.length) != 1) ||
      (plaintext.length > 0 &&
       EVP_EncryptUpdate(ctx, out, &n, plaintext.data, (int)plaintext.length) != 1) ||
      EVP_EncryptFinal_ex(ctx, out + (plaintext.length > 0 ? n : 0), &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, out + plaintext.length) != 1) {
    OPENSSL_cleanse(out, out_length);
    return throw_openssl(env, "AES-256-GCM encryption failed");
  }
  if (napi_create_typedarray(env, napi_uint8_array, out_length, buffer, 0, &result) != napi_ok) {
    return NULL;
  }
  return result;
}

/*
 * decrypt(context, key, iv, ciphertext, tag, aad) -> Uint8Array plaintext, or null when the tag
 * does not verify (the bytes decrypted so far are cleansed and never returned).
 */
static napi_value decrypt(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  KeyContext *k;
  Bytes key, iv, ciphertext, tag, aad;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 6 || !common_args(env, argv, &k, &key, &iv) ||
      !get_bytes(env, argv[3], &ciphertext) || !get_bytes(env, argv[4], &tag) ||
      tag.length != TAG_BYTES || !get_bytes(env, argv[5], &aad)) {
    return throw_type(env, "decrypt(context, key, iv, ciphertext, tag, aad): bad arguments");
  }
  EVP_CIPHER_CTX *ctx = started(k, key.data, &iv, 0);
  if (ctx == NULL) return throw_openssl(env, "could not key the cipher");

  napi_value buffer, result, null_value;
  unsigned char *out;
  /* One byte more than needed so that an empty plaintext still has a buffer to point at. */
  if (napi_create_arraybuffer(env, ciphertext.length + 1, (void **)&out, &buffer) != napi_ok) {
    return NULL;
  }
  unsigned char tag_copy[TAG_BYTES];
  memcpy(tag_copy, tag.data, TAG_BYTES);
  int n = 0, tail = 0;
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, tag_copy) != 1 ||
      (aad.length > 0 && EVP_DecryptUpdate(ctx, NULL, &n, aad.data, (int)aad.length) != 1) ||
      (ciphertext.length > 0 &&
       EVP_DecryptUpdate(ctx, out, &n, ciphertext.data, (int)ciphertext.length) != 1)) {
    OPENSSL_cleanse(out, ciphertext.length + 1);
    return throw_openssl(env, "AES-256-GCM decryption failed");
  }
  /* The tag check (NIST SP 800-38D §7.2 step 8): on failure nothing decrypted leaves. */
  if (EVP_DecryptFinal_ex(ctx, out + (ciphertext.length > 0 ? n : 0), &tail) != 1) {
    OPENSSL_cleanse(out, ciphertext.length + 1);
    napi_get_null(env, &null_value);
    return null_value;
  }
  if (napi_create_typedarray(env, napi_uint8_array, ciphertext.length, buffer, 0, &result) !=
      napi_ok) {
    return NULL;
  }
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"newContext", NULL, new_context, NULL, NULL, NULL, napi_enumerable, NULL},
      {"release", NULL, release, NULL, NULL, NULL, napi_enumerable, NULL},
      {"encrypt", NULL, encrypt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"decrypt", NULL, decrypt, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, 4, properties) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
