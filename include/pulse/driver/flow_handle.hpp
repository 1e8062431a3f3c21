// SPDX-License-Identifier: MIT
//
// pulse::flow_handle: the caller's owner of one flow run by a driver (pulse::async_driver,
// pulse::curl::multi_driver). async_driver.hpp's file comment says what cancel and destroy do.
#ifndef PULSE_DRIVER_FLOW_HANDLE_HPP
#define PULSE_DRIVER_FLOW_HANDLE_HPP

#include <pulse/detail/prelude.hpp>
#include <pulse/driver/detail/driver_base.hpp>
#include <pulse/driver/detail/flow_node.hpp>
#include <pulse/error.hpp>

#include <memory>
#include <utility>

PULSE_NAMESPACE_BEGIN

namespace detail {
/// The tag of the constructor the drivers use to hand a handle its node.
struct adopt_t {};
} // namespace detail

/// Owner of one flow run by a driver. Move-only. Destroying it (or reset()) ends the flow at once
/// (see the file comment). Use from the driver's thread.
template <class Machine>
class flow_handle {
public:
    /// The machine type the handle owns.
    using machine_type = Machine;
    /// What the flow produces (take() returns result<value_type>).
    using value_type = typename Machine::value_type;

    /// An empty handle (valid() is false).
    flow_handle() noexcept = default;
    /// Takes over the flow; `o` becomes empty. The flow keeps running.
    flow_handle(flow_handle&&) noexcept = default;
    /// Ends this handle's own flow (as reset() does), then takes over `o`'s.
    flow_handle& operator=(flow_handle&& o) noexcept {
        if (this != &o) {
            reset();
            node_ = std::move(o.node_);
        }
        return *this;
    }
    flow_handle(flow_handle const&) = delete;
    flow_handle& operator=(flow_handle const&) = delete;
    /// Ends the flow at once, as reset() does.
    ~flow_handle() { reset(); }

    /// Holds a flow (not default-constructed, moved from, or reset).
    bool valid() const noexcept { return node_ != nullptr; }
    /// Whether the handle holds a flow, as valid().
    explicit operator bool() const noexcept { return valid(); }

    /// The machine answered done or failed: take() has the outcome.
    bool finished() const noexcept { return node_ && node_->state_ == detail::flow_node::state::finished; }

    /// The outcome (moved out; call once, after finished()). Before that: an error saying the
    /// operation is still running (or that the driver was destroyed first).
    result<value_type> take() {
        if (!node_) return error(errc::invalid_argument, "empty flow handle");
        if (node_->delivered_) return error(errc::invalid_argument, "the result went to the completion callback given to add()");
        if (!finished() && node_->state_ == detail::flow_node::state::detached)
            return error(errc::canceled, "the driver was destroyed before the flow finished");
        return node_->machine.take_result();
    }

    /// Ask the flow to stop; observed at the next tick (see the file comment). No effect once
    /// finished.
    void cancel() {
        if (!node_ || finished()) return;
        if (node_->driver_) node_->driver_->request_cancel(*node_);
        else node_->cancel_machine();
    }

    /// End the flow now and free it (also mid-transfer). The handle becomes empty.
    void reset() noexcept {
        if (!node_) return;
        if (auto* d = node_->driver_) d->release(std::unique_ptr<detail::flow_node>(node_.release()));
        else node_.reset();
    }

    /// The machine, for observation: job_id(), status(), poll_count(), bytes_delivered()...
    /// Precondition: valid(). Do not drive it (next/handle_*) yourself.
    Machine const& machine() const noexcept { return node_->machine; }

    /// Used by the drivers (add()); not for users.
    flow_handle(detail::adopt_t, std::unique_ptr<detail::machine_node<Machine>> n) noexcept : node_(std::move(n)) {}

private:
    std::unique_ptr<detail::machine_node<Machine>> node_;
};

PULSE_NAMESPACE_END

#endif
