module TaskerCore
  VERSION = '0.1.8.0'
  RUST_CORE_VERSION = "0.1.8"
end