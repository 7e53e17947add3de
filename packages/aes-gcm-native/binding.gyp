{
  "targets": [
    {
      "target_name": "xkslab_aes_gcm",
      "sources": ["native/aes_gcm.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
