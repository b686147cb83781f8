# frozen_string_literal: true

require 'fiddle'
require_relative 'tasker_core/version'

# Ruby bindings for the Tasker worker, backed by the tasker-worker-rb cdylib.
module TaskerCore
  LIB_NAME = "libtasker_worker_rb.#{RbConfig::CONFIG['host_os'] =~ /darwin/ ? 'dylib' : 'so'}".freeze
  LIB_PATH = File.expand_path("tasker_core/#{LIB_NAME}", __dir__)

  class << self
    def core_version
      fn(:tasker_rb_core_version, [], Fiddle::TYPE_VOIDP).call.to_s
    end

    def shared_version
      fn(:tasker_rb_shared_version, [], Fiddle::TYPE_VOIDP).call.to_s
    end

    def handle(name)
      ptr = fn(:tasker_rb_handle, [Fiddle::TYPE_VOIDP], Fiddle::TYPE_VOIDP).call(name)
      ptr.to_s
    ensure
      fn(:tasker_rb_free_string, [Fiddle::TYPE_VOIDP], Fiddle::TYPE_VOID).call(ptr) if ptr
    end

    private

    def library
      @library ||= Fiddle.dlopen(LIB_PATH)
    end

    def fn(name, args, ret)
      @functions ||= {}
      @functions[name] ||= Fiddle::Function.new(library[name.to_s], args, ret)
    end
  end
end
