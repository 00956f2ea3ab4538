namespace Nattt.Platform.Linux;

/// <summary>
/// Room for up to <see cref="Capacity"/> datagrams, each in a slot of <see cref="SlotSize"/> bytes, with its length
/// and its endpoint (the source after a receive, the destination for a send). Built once and reused for every batch:
/// nothing is allocated per datagram.
/// </summary>
/// <remarks>
/// All slots live in one array on the pinned object heap, so the batched socket hands their addresses to the kernel
/// without pinning per call. A receive or send takes an offset into the slots: bytes before it are headroom, where a
/// tunnel writes its outer headers in place before sending (as wireguard-go's batches do), and which a receive
/// leaves untouched. Not thread-safe: one loop owns a batch.
/// </remarks>
public sealed class UdpBatch
{
    /// <summary>The largest UDP payload over IPv4 (65,535 - 20 - 8); over IPv6 it is 65,527.</summary>
    public const int MaxDatagramSize = 65_507;

    private readonly byte[] _slots;
    private readonly int[] _lengths;
    private readonly UdpEndpoint[] _endpoints;

    public UdpBatch(int capacity, int slotSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slotSize, MaxDatagramSize + 1024);
        Capacity = capacity;
        // Slots start on 64-byte boundaries: a cache line each, and headroom arithmetic stays simple.
        SlotStride = (slotSize + 63) & ~63;
        SlotSize = slotSize;
        _slots = GC.AllocateUninitializedArray<byte>(capacity * SlotStride, pinned: true);
        _lengths = new int[capacity];
        _endpoints = new UdpEndpoint[capacity];
    }

    public int Capacity { get; }
    /// <summary>Bytes per slot, headroom included.</summary>
    public int SlotSize { get; }
    internal int SlotStride { get; }

    /// <summary>The whole slot <paramref name="index"/>, headroom included.</summary>
    public Span<byte> Slot(int index) => _slots.AsSpan(SlotOffset(index), SlotSize);

    /// <summary>The datagram in slot <paramref name="index"/>: <see cref="Lengths"/>[index] bytes from
    /// <paramref name="offset"/>.</summary>
    public Span<byte> Datagram(int index, int offset) => Slot(index).Slice(offset, _lengths[index]);

    /// <summary>Datagram lengths, one per slot (set by a receive, read by a send).</summary>
    public Span<int> Lengths => _lengths;

    /// <summary>Endpoints, one per slot: the source after a receive, the destination for a send.</summary>
    public Span<UdpEndpoint> Endpoints => _endpoints;

    private int SlotOffset(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Capacity);
        return index * SlotStride;
    }

    /// <summary>The address of slot <paramref name="index"/> plus <paramref name="offset"/>; stable for the batch's
    /// life because the array is pinned.</summary>
    internal unsafe byte* Pointer(int index, int offset) =>
        (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(
            ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_slots)) + SlotOffset(index) + offset;

    internal void CheckOffset(int offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(offset, SlotSize);
    }
}
