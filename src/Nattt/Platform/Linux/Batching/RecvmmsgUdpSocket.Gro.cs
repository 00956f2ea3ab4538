using System.Net.Sockets;
using System.Runtime.InteropServices;
using static Nattt.Platform.Linux.LinuxSocketCalls;

namespace Nattt.Platform.Linux;

/// <summary>
/// The receive side with UDP GRO: the kernel may hand over several datagrams of one source as one coalesced message
/// (all of one size but the last, the size in a UDP_GRO control message). They are received into large scratch
/// buffers and split back into the batch's slots; what does not fit this batch waits for the next call.
/// </summary>
public sealed unsafe partial class RecvmmsgUdpSocket
{
    /// <summary>Messages per recvmmsg with GRO, each with room for a whole coalesced message (64 KiB): 4 MiB of
    /// scratch per socket, allocated at the first receive. As many messages as a plain batch takes, so that traffic
    /// the kernel did not coalesce (many sources) still moves 64 datagrams per call.</summary>
    private const int CoalescedMessages = 64, ScratchSize = 65_536;

    /// <summary>Room for cmsghdr + int (CMSG_SPACE(4) = 24), rounded up.</summary>
    private const int CoalesceControlSize = 32;

    private readonly bool _coalescing;
    private byte[]? _scratch;        // pinned; CoalescedMessages * ScratchSize; receiving thread only
    private int _pendingMessages;    // messages of the last recvmmsg not yet split out; receiving thread only
    private int _pendingMessage;     // the next one to split
    private int _pendingPosition;    // the byte where it continues
    private long _coalescedDatagrams; // Interlocked

    /// <summary>Whether receives use UDP GRO.</summary>
    public bool UsesReceiveOffload => _coalescing;

    /// <summary>Datagrams that arrived inside coalesced (GRO) messages of two or more so far.</summary>
    public long CoalescedDatagrams => Interlocked.Read(ref _coalescedDatagrams);

    private static bool EnableCoalescing(Socket socket)
    {
        try
        {
            socket.SetRawSocketOption(SolUdp, UdpGro, BitConverter.GetBytes(1));
            return true;
        }
        catch (SocketException)
        {
            return false; // kernel before 5.0
        }
    }

    /// <summary>One recvmmsg into the scratch buffers; returns the message count or minus errno.</summary>
    private int ReceiveCoalesced()
    {
        _scratch ??= GC.AllocateUninitializedArray<byte>(CoalescedMessages * ScratchSize, pinned: true);
        var scratch = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_scratch));
        for (var i = 0; i < CoalescedMessages; i++)
        {
            _receive.Iov[i].Base = scratch + i * ScratchSize;
            _receive.Iov[i].Length = ScratchSize;
            ref var header = ref _receive.Messages[i].Header;
            header.NameLength = Sockaddr.SlotSize;
            header.Flags = 0;
            header.Control = _receive.ControlPointer(i);
            header.ControlLength = CoalesceControlSize;
        }
        var received = Call(&ReceiveCall, _receive, CoalescedMessages);
        if (received > 0)
        {
            _pendingMessages = received;
            _pendingMessage = 0;
            _pendingPosition = 0;
        }
        return received;
    }

    /// <summary>Splits the pending coalesced messages into the batch's slots, as many as fit; returns how many.</summary>
    private int TakePending(UdpBatch batch, int offset)
    {
        var filled = 0;
        var room = batch.SlotSize - offset;
        var capacity = Math.Min(batch.Capacity, MaxBatchSize);
        while (_pendingMessage < _pendingMessages && filled < capacity)
        {
            ref var message = ref _receive.Messages[_pendingMessage];
            var length = (int)message.Length;
            var name = _receive.Name(_pendingMessage)[..(int)Math.Min(message.Header.NameLength, Sockaddr.SlotSize)];
            if ((message.Header.Flags & MSG_TRUNC) != 0 || Sockaddr.TryRead(name, out var source) != Sockaddr.ReadFailure.None)
            {
                Interlocked.Increment(ref (message.Header.Flags & MSG_TRUNC) != 0
                    ? ref Counters.TruncatedDropped : ref Counters.ReceiveErrorsIgnored);
                NextPendingMessage();
                continue;
            }
            if (length == 0) // an empty datagram is a datagram too
            {
                batch.Lengths[filled] = 0;
                batch.Endpoints[filled++] = source;
                NextPendingMessage();
                continue;
            }
            var control = _receive.Control(_pendingMessage)[..(int)Math.Min(message.Header.ControlLength, CoalesceControlSize)];
            var segmentSize = SegmentSize(control, length);
            var data = _scratch.AsSpan(_pendingMessage * ScratchSize, length);
            while (_pendingPosition < length && filled < capacity)
            {
                var segment = data.Slice(_pendingPosition, Math.Min(segmentSize, length - _pendingPosition));
                _pendingPosition += segment.Length;
                if (segment.Length > room)
                {
                    Interlocked.Increment(ref Counters.TruncatedDropped);
                    continue;
                }
                segment.CopyTo(batch.Slot(filled)[offset..]);
                batch.Lengths[filled] = segment.Length;
                batch.Endpoints[filled] = source;
                filled++;
            }
            if (_pendingPosition >= length)
            {
                if (segmentSize < length) Interlocked.Add(ref _coalescedDatagrams, (length + segmentSize - 1) / segmentSize);
                NextPendingMessage();
            }
        }
        return filled;
    }

    private void NextPendingMessage()
    {
        _pendingMessage++;
        _pendingPosition = 0;
    }

    /// <summary>The UDP_GRO segment size from a message's control data, or the whole length when there is none (the
    /// message is one datagram).</summary>
    internal static int SegmentSize(ReadOnlySpan<byte> control, int length)
    {
        for (var position = 0; position + 16 <= control.Length;)
        {
            var cmsgLength = (int)MemoryMarshal.Read<ulong>(control[position..]);
            if (cmsgLength < 16) break;
            if (MemoryMarshal.Read<int>(control[(position + 8)..]) == SolUdp &&
                MemoryMarshal.Read<int>(control[(position + 12)..]) == UdpGro && position + 20 <= control.Length)
            {
                var size = MemoryMarshal.Read<int>(control[(position + 16)..]);
                return size > 0 ? size : length;
            }
            position += (cmsgLength + 7) & ~7;
        }
        return Math.Max(length, 1);
    }
}
