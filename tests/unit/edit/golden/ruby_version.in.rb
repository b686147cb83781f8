# frozen_string_literal: true

module TaskerCore
  # The core crates this gem was built against.
  RUST_CORE_VERSION = '0.1.7'
  # VERSION = '0.0.1' (a comment, not a definition)
  VERSION = "0.1.7.3".freeze # the gem's own version
  MIN_VERSION = '0.1.0'
end
