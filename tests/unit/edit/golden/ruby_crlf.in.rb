module TaskerCore
  VERSION = '0.1.7.3'
  RUST_CORE_VERSION = "0.1.7"
end