using System.Net.Sockets;
using System.Runtime.InteropServices;
using static Nattt.Platform.Linux.LinuxSocketCalls;

namespace Nattt.Platform.Linux;

/// <summary>The send side: sendmmsg, and UDP GSO (UDP_SEGMENT) for runs of same-size datagrams to one destination.</summary>
public sealed unsafe partial class RecvmmsgUdpSocket
{
    /// <summary>Linux's UDP_MAX_SEGMENTS (64 before 6.2; we stay at the lower bound) and the largest UDP payload a
    /// GSO message may carry in all.</summary>
    private const int MaxSegments = 64, MaxSegmentedBytes = 65_000;

    /// <summary>CMSG_SPACE(sizeof(uint16_t)) on 64-bit Linux: a 16-byte cmsghdr, 2 bytes of data, padded to 8.</summary>
    private const int SegmentControlSize = 24;

    private volatile bool _segmentation;
    private long _segmentedDatagrams; // Interlocked

    /// <summary>Datagrams that left inside GSO messages (of two or more segments) so far.</summary>
    public long SegmentedDatagrams => Interlocked.Read(ref _segmentedDatagrams);

    /// <summary>Whether sends use UDP GSO now (it turns itself off if the kernel refuses it on this path).</summary>
    public bool UsesSegmentationOffload => _segmentation;

    public int SendBatch(UdpBatch batch, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch.CheckOffset(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, batch.Capacity);
        var sent = 0;
        for (var start = 0; start < count; start += MaxBatchSize)
            sent += SendChunk(batch, offset, start, Math.Min(MaxBatchSize, count - start));
        return sent;
    }

    private int SendChunk(UdpBatch batch, int offset, int start, int count)
    {
        var ready = 0; // datagrams with a valid destination, packed at the front: I/O vector and name slot each
        for (var i = start; i < start + count; i++)
        {
            var size = Sockaddr.Write(batch.Endpoints[i], _socket.AddressFamily, _send.Name(ready));
            if (size == 0 || batch.Lengths[i] < 0 || batch.Lengths[i] > batch.SlotSize - offset)
            {
                Interlocked.Increment(ref Counters.SendFailed);
                continue;
            }
            _send.Iov[ready].Base = batch.Pointer(i, offset);
            _send.Iov[ready].Length = (nuint)batch.Lengths[i];
            _send.NameLengths[ready] = (uint)size;
            ready++;
        }
        var messages = Pack(0, ready, _segmentation);
        int done = 0, sent = 0;
        while (done < messages)
        {
            var result = Call(&SendCall, _send, messages - done, done);
            if (result > 0)
            {
                for (var m = done; m < done + result; m++)
                {
                    sent += _send.Segments[m];
                    if (_send.Segments[m] > 1) Interlocked.Add(ref _segmentedDatagrams, _send.Segments[m]);
                }
                done += result;
                continue;
            }
            var errno = -result;
            if (errno == EINTR) continue;
            if (errno == EAGAIN && WaitFor(POLLOUT, _timeoutMilliseconds)) continue;
            if (_send.Segments[done] > 1 && errno is EIO or EINVAL or EMSGSIZE)
            {
                // The kernel refused segmentation here (EIO: no checksum offload on the path; EMSGSIZE or EINVAL: a
                // segment larger than the path MTU, which a lone datagram may still pass by fragmentation): send the
                // rest one datagram per message. EIO is the path's lasting property, so GSO stays off for this
                // socket from now on.
                if (errno == EIO) _segmentation = false;
                messages = done + Pack(_send.First[done], ready, segmentation: false, firstMessage: done);
                continue;
            }
            if (errno != EAGAIN && !IsPerDatagramSendError(errno)) throw Failure("sendmmsg", errno);
            // The kernel refused message `done` (or the buffer stayed full): skip it, send the rest.
            Interlocked.Add(ref Counters.SendFailed, _send.Segments[done]);
            done++;
        }
        return sent;
    }

    /// <summary>
    /// Builds message headers from the datagrams <paramref name="from"/>..<paramref name="to"/> (their I/O vectors and
    /// names are ready), from message <paramref name="firstMessage"/> on, and returns how many messages it built. With
    /// segmentation, consecutive datagrams to the same destination whose sizes equal the first one's (the last may be
    /// shorter) share one message carrying a UDP_SEGMENT control message, as the kernel requires.
    /// </summary>
    private int Pack(int from, int to, bool segmentation, int firstMessage = 0)
    {
        var m = firstMessage;
        for (var d = from; d < to; m++)
        {
            var segments = 1;
            var segmentSize = _send.Iov[d].Length;
            if (segmentation)
            {
                var total = segmentSize;
                while (d + segments < to && segments < MaxSegments
                       && _send.Iov[d + segments - 1].Length == segmentSize // only the last may be shorter
                       && _send.Iov[d + segments].Length <= segmentSize
                       && total + _send.Iov[d + segments].Length <= MaxSegmentedBytes
                       && _send.NameLengths[d + segments] == _send.NameLengths[d]
                       && _send.Name(d + segments)[..(int)_send.NameLengths[d]].SequenceEqual(_send.Name(d)[..(int)_send.NameLengths[d]]))
                {
                    total += _send.Iov[d + segments].Length;
                    segments++;
                }
            }
            ref var header = ref _send.Messages[m].Header;
            header.Name = _send.NamePointer(d);
            header.NameLength = _send.NameLengths[d];
            header.Iov = _send.IovPointer(d);
            header.IovLength = (nuint)segments;
            if (segments > 1)
            {
                WriteSegmentControl(_send.Control(m)[..SegmentControlSize], (ushort)segmentSize);
                header.Control = _send.ControlPointer(m);
                header.ControlLength = SegmentControlSize;
            }
            else
            {
                header.Control = null;
                header.ControlLength = 0;
            }
            _send.First[m] = d;
            _send.Segments[m] = segments;
            d += segments;
        }
        return m - firstMessage;
    }

    /// <summary>struct cmsghdr { size_t cmsg_len = CMSG_LEN(2) = 18; int cmsg_level = SOL_UDP; int cmsg_type =
    /// UDP_SEGMENT; } followed by the segment size (host order).</summary>
    internal static void WriteSegmentControl(Span<byte> control, ushort segmentSize)
    {
        control.Clear();
        MemoryMarshal.Write(control, (ulong)18);
        MemoryMarshal.Write(control[8..], SolUdp);
        MemoryMarshal.Write(control[12..], UdpSegment);
        MemoryMarshal.Write(control[16..], segmentSize);
    }

    /// <summary>Whether the kernel knows UDP_SEGMENT (Linux 4.18+): reading the option succeeds.</summary>
    private static bool ProbeSegmentation(Socket socket)
    {
        Span<byte> value = stackalloc byte[4];
        try
        {
            return socket.GetRawSocketOption(SolUdp, UdpSegment, value) == 4;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
