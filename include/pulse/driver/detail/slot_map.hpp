// SPDX-License-Identifier: MIT
//
// Slots for pointers, handed out and reused, each with a generation: a slot_ref names one use of a
// slot, and looks up nothing once that use ended (the slot freed, perhaps reused). The driver keeps
// its flows in one, so that queue and timer entries of a flow that is gone cost a failed lookup
// instead of a search when they surface.
#ifndef PULSE_DRIVER_DETAIL_SLOT_MAP_HPP
#define PULSE_DRIVER_DETAIL_SLOT_MAP_HPP

#include <pulse/detail/prelude.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

PULSE_NAMESPACE_BEGIN
namespace detail {

/// One use of a slot: its number and the generation it had.
struct slot_ref {
    std::uint32_t slot = 0;
    std::uint32_t gen = 0;
};

/// Pointers in reusable slots (see the file comment). Not thread-safe.
template <class T>
class slot_map {
public:
    /// Put `p` in a free slot (a freed one first) and return the slot's number.
    std::uint32_t insert(T* p) {
        std::uint32_t s;
        if (!free_.empty()) {
            s = free_.back();
            free_.pop_back();
        } else {
            s = static_cast<std::uint32_t>(slots_.size());
            slots_.push_back({});
        }
        slots_[s].ptr = p;
        ++live_;
        return s;
    }

    /// The current use of slot `s`.
    slot_ref ref(std::uint32_t s) const noexcept { return slot_ref{s, slots_[s].gen}; }

    /// What `r` names, or nullptr when that use of the slot ended.
    T* get(slot_ref r) const noexcept {
        if (r.slot >= slots_.size()) return nullptr;
        auto const& e = slots_[r.slot];
        return e.gen == r.gen ? e.ptr : nullptr;
    }

    /// Free slot `s` if it holds `p` (else nothing): every slot_ref of this use goes stale.
    void erase(std::uint32_t s, T const* p) noexcept {
        if (s >= slots_.size() || slots_[s].ptr != p || p == nullptr) return;
        slots_[s].ptr = nullptr;
        ++slots_[s].gen;
        free_.push_back(s);
        --live_;
    }

    /// Occupied slots.
    std::size_t size() const noexcept { return live_; }

    /// f(p) for every occupied slot's pointer. `f` may erase the slot it is given.
    template <class F>
    void for_each(F&& f) {
        for (std::size_t i = 0; i < slots_.size(); ++i)
            if (T* p = slots_[i].ptr) f(p);
    }

private:
    struct entry {
        T* ptr = nullptr;
        std::uint32_t gen = 0;
    };
    std::vector<entry> slots_;
    std::vector<std::uint32_t> free_;
    std::size_t live_ = 0;
};

} // namespace detail
PULSE_NAMESPACE_END

#endif
