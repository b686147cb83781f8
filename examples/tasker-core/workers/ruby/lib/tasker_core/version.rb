# frozen_string_literal: true

module TaskerCore
  VERSION = '0.1.0'
  RUST_CORE_VERSION = '0.1.0'
end
