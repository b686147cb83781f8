# frozen_string_literal: true

require_relative 'lib/tasker_core/version'

Gem::Specification.new do |spec|
  spec.name = 'tasker-worker-rb'
  spec.version = TaskerCore::VERSION
  spec.summary = 'Ruby worker bindings for Tasker'
  spec.description = 'Ruby FFI bindings to the tasker-worker Rust foundation.'
  spec.authors = ['Tasker Systems']
  spec.homepage = 'https://github.com/tasker-systems/tasker-core'
  spec.license = 'MIT'
  spec.required_ruby_version = '>= 3.0'
  spec.files = Dir['lib/**/*.rb'] + Dir['lib/tasker_core/*.{so,dylib}']
  spec.require_paths = ['lib']
  spec.metadata['rust_core_version'] = TaskerCore::RUST_CORE_VERSION
end
