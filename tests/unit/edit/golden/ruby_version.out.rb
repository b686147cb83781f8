# frozen_string_literal: true

module TaskerCore
  # The core crates this gem was built against.
  RUST_CORE_VERSION = '0.1.8'
  # VERSION = '0.0.1' (a comment, not a definition)
  VERSION = "0.1.8.0".freeze # the gem's own version
  MIN_VERSION = '0.1.0'
end
