using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Nattt.Lab;
using Nattt.Platform.Linux;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Platform;

/// <summary>
/// Both batch sockets, recvmmsg/sendmmsg and the plain fallback, move datagrams over loopback inside a namespace of
/// the test's own: every datagram arrives once and intact, with its source, in batches where the kernel allows.
/// </summary>
public sealed class UdpBatchSocketTests(ITestOutputHelper output) : NamespaceTest(output, "udp-batch-sockets", Drawing)
{
    private const string Drawing = """
        +--------------------- h ---------------------+
        |  sender socket  --- lo ---  receiver socket  |
        |  127.0.0.1 / ::1            127.0.0.1 / ::1  |
        +----------------------------------------------+
        """;

    private const int Headroom = 64;
    // A receive returns as soon as datagrams arrive; the bound only matters on a loaded machine.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private LabHost? _host;
    private LabHost Host => _host ??= Net.AddHost("h");

    private IUdpBatchSocket Open(UdpBatchMode mode, AddressFamily family, bool dualMode = false) => NetnsThread.Run(Host, () =>
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        if (family == AddressFamily.InterNetworkV6) socket.DualMode = dualMode;
        // 4 MiB even above net.core.rmem_max (SO_RCVBUFFORCE; the tests run as root), so that the kernel never drops.
        socket.SetRawSocketOption(1 /* SOL_SOCKET */, 33 /* SO_RCVBUFFORCE */, BitConverter.GetBytes(4 << 20));
        var address = family == AddressFamily.InterNetwork ? IPAddress.Loopback
            : dualMode ? IPAddress.IPv6Any : IPAddress.IPv6Loopback; // a dual-mode socket must be bound to [::]
        socket.Bind(new IPEndPoint(address, 0));
        return UdpBatchSockets.Create(socket, Timeout, mode);
    });

    /// <summary>The kernels here (6.x) all have recvmmsg, sendmmsg and UDP GSO.</summary>
    private static string KindOf(UdpBatchMode mode) => mode switch
    {
        UdpBatchMode.Batched => "recvmmsg/sendmmsg+gso+gro",
        UdpBatchMode.BatchedNoOffload => "recvmmsg/sendmmsg",
        _ => "plain",
    };

    private static UdpEndpoint EndpointOf(IUdpBatchSocket socket) =>
        UdpEndpoint.FromIPEndPoint((IPEndPoint)socket.LocalEndPoint);

    /// <summary>Datagram <paramref name="sequence"/>: its number, then bytes derived from it; size 4..1400.</summary>
    private static int Fill(Span<byte> destination, int sequence)
    {
        var length = 4 + sequence * 37 % 1397;
        BinaryPrimitives.WriteInt32BigEndian(destination, sequence);
        for (var i = 4; i < length; i++) destination[i] = (byte)(sequence + i);
        return length;
    }

    private static bool IsIntact(ReadOnlySpan<byte> datagram, out int sequence)
    {
        sequence = datagram.Length >= 4 ? BinaryPrimitives.ReadInt32BigEndian(datagram) : -1;
        if (sequence < 0 || datagram.Length != 4 + sequence * 37 % 1397) return false;
        for (var i = 4; i < datagram.Length; i++) if (datagram[i] != (byte)(sequence + i)) return false;
        return true;
    }

    public static TheoryData<UdpBatchMode, UdpBatchMode, AddressFamily> Pairs()
    {
        var data = new TheoryData<UdpBatchMode, UdpBatchMode, AddressFamily>();
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        foreach (var sender in new[] { UdpBatchMode.Batched, UdpBatchMode.BatchedNoOffload, UdpBatchMode.Plain })
        foreach (var receiver in new[] { UdpBatchMode.Batched, UdpBatchMode.BatchedNoOffload, UdpBatchMode.Plain })
            data.Add(sender, receiver, family);
        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void SendBatch_ThousandsOfDatagrams_AllArriveOnceIntactWithTheirSource(UdpBatchMode senderMode,
        UdpBatchMode receiverMode, AddressFamily family)
    {
        const int total = 3000;
        using var sender = Open(senderMode, family);
        using var receiver = Open(receiverMode, family);
        Assert.Equal(KindOf(senderMode), sender.Kind);
        var senderEndpoint = EndpointOf(sender);
        var seen = new int[total];
        var received = 0;
        var largestBatch = 0;
        var receiveFailure = "";
        var receiving = new Thread(() =>
        {
            var batch = new UdpBatch(64, 2048);
            for (var i = 0; i < batch.Capacity; i++) batch.Slot(i)[..Headroom].Fill(0xAA);
            var deadline = Environment.TickCount64 + 20_000;
            while (Volatile.Read(ref received) < total && Environment.TickCount64 < deadline)
            {
                var n = receiver.ReceiveBatch(batch, Headroom);
                largestBatch = Math.Max(largestBatch, n);
                for (var i = 0; i < n; i++)
                {
                    if (!IsIntact(batch.Datagram(i, Headroom), out var sequence) || sequence >= total)
                        receiveFailure = $"datagram {i} of a batch is damaged (length {batch.Lengths[i]})";
                    else if (batch.Endpoints[i] != senderEndpoint)
                        receiveFailure = $"source {batch.Endpoints[i]} is not the sender {senderEndpoint}";
                    else if (batch.Slot(i)[..Headroom].IndexOfAnyExcept((byte)0xAA) >= 0)
                        receiveFailure = "the receive wrote into the headroom";
                    else seen[sequence]++;
                    Interlocked.Increment(ref received);
                }
            }
        });
        receiving.Start();

        var sendBatch = new UdpBatch(32, 2048);
        var destination = EndpointOf(receiver);
        var sent = 0;
        var window = Environment.TickCount64 + 20_000;
        for (var next = 0; next < total;)
        {
            var count = Math.Min(32, total - next);
            for (var i = 0; i < count; i++)
            {
                sendBatch.Slot(i)[..Headroom].Fill(0xEE); // headroom must not be sent
                sendBatch.Lengths[i] = Fill(sendBatch.Slot(i)[Headroom..], next + i);
                sendBatch.Endpoints[i] = destination;
            }
            sent += sender.SendBatch(sendBatch, Headroom, count);
            next += count;
            // Keep at most ~128 in flight so the receive buffer never overflows (loss would be the kernel's, not ours).
            while (sent - Volatile.Read(ref received) > 96 && Environment.TickCount64 < window) Thread.Sleep(1);
        }
        receiving.Join();

        Output.WriteLine($"{sender.Kind} -> {receiver.Kind} over {family}: sent {sent}, received {received}, " +
                         $"largest batch {largestBatch}");
        Assert.Equal(total, sent);
        Assert.Equal("", receiveFailure);
        Assert.Equal(total, received);
        Assert.All(seen, count => Assert.Equal(1, count));
        Assert.Equal(0, sender.Counters.SendFailures);
        Assert.Equal(0, receiver.Counters.Truncated);
    }

    [Theory]
    [InlineData(AddressFamily.InterNetwork, UdpBatchMode.Batched, 64)]
    [InlineData(AddressFamily.InterNetworkV6, UdpBatchMode.Batched, 64)]
    [InlineData(AddressFamily.InterNetwork, UdpBatchMode.Plain, 1)]
    [InlineData(AddressFamily.InterNetworkV6, UdpBatchMode.Plain, 1)]
    public void ReceiveBatch_HundredQueuedDatagrams_OneCallTakesAFullBatch(AddressFamily family, UdpBatchMode mode,
        int expected)
    {
        using var sender = Open(UdpBatchMode.Batched, family);
        using var receiver = Open(mode, family);
        var batch = new UdpBatch(100, 256);
        for (var i = 0; i < 100; i++)
        {
            batch.Lengths[i] = Fill(batch.Slot(i), i % 5);
            batch.Endpoints[i] = EndpointOf(receiver);
        }
        Assert.Equal(100, sender.SendBatch(batch, 0, 100)); // loopback queues them before sendmmsg returns

        var receiveBatch = new UdpBatch(64, 2048);
        var n = receiver.ReceiveBatch(receiveBatch, 0);
        Assert.Equal(expected, n);
        for (var i = 0; i < n; i++)
        {
            Assert.True(IsIntact(receiveBatch.Datagram(i, 0), out var sequence));
            Assert.Equal(i % 5, sequence); // in order
        }
    }

    [Theory]
    [InlineData(AddressFamily.InterNetwork, UdpBatchMode.Batched)]
    [InlineData(AddressFamily.InterNetworkV6, UdpBatchMode.Batched)]
    [InlineData(AddressFamily.InterNetwork, UdpBatchMode.Plain)]
    [InlineData(AddressFamily.InterNetworkV6, UdpBatchMode.Plain)]
    public void ReceiveBatch_DatagramLargerThanSlot_DroppedAndCountedNextOneDelivered(AddressFamily family, UdpBatchMode mode)
    {
        using var sender = Open(UdpBatchMode.Plain, family);
        using var receiver = Open(mode, family);
        var batch = new UdpBatch(2, 1500);
        batch.Lengths[0] = 1400; // too big for the receiver's room below
        batch.Lengths[1] = Fill(batch.Slot(1), 3);
        batch.Endpoints[0] = batch.Endpoints[1] = EndpointOf(receiver);
        Assert.Equal(2, sender.SendBatch(batch, 0, 2));

        var small = new UdpBatch(4, 1000 + Headroom);
        var n = receiver.ReceiveBatch(small, Headroom);
        Assert.Equal(1, n);
        Assert.True(IsIntact(small.Datagram(0, Headroom), out var sequence));
        Assert.Equal(3, sequence);
        Assert.Equal(1, receiver.Counters.Truncated);
    }

    [Theory]
    [InlineData(UdpBatchMode.Batched)]
    [InlineData(UdpBatchMode.Plain)]
    public void ReceiveBatch_NothingSent_ReturnsZeroAfterTheTimeout(UdpBatchMode mode)
    {
        using var receiver = Open(mode, AddressFamily.InterNetwork);
        var started = Environment.TickCount64;
        Assert.Equal(0, receiver.ReceiveBatch(new UdpBatch(8, 256), 0));
        Assert.InRange(Environment.TickCount64 - started, Timeout.TotalMilliseconds - 50, 10_000);
    }

    [Theory]
    [InlineData(UdpBatchMode.Batched)]
    [InlineData(UdpBatchMode.Plain)]
    public void SendBatch_OneIPv6DestinationOnIPv4Socket_SkippedAndCountedOthersSent(UdpBatchMode mode)
    {
        using var sender = Open(mode, AddressFamily.InterNetwork);
        using var receiver = Open(UdpBatchMode.Batched, AddressFamily.InterNetwork);
        var batch = new UdpBatch(3, 256);
        for (var i = 0; i < 3; i++)
        {
            batch.Lengths[i] = Fill(batch.Slot(i), i);
            batch.Endpoints[i] = EndpointOf(receiver);
        }
        batch.Endpoints[1] = UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.IPv6Loopback, 9));
        Assert.Equal(2, sender.SendBatch(batch, 0, 3));
        Assert.Equal(1, sender.Counters.SendFailures);

        var received = new UdpBatch(8, 2048);
        var got = new List<int>();
        while (got.Count < 2 && receiver.ReceiveBatch(received, 0) is var n and > 0)
            for (var i = 0; i < n; i++) got.Add(IsIntact(received.Datagram(i, 0), out var s) ? s : -1);
        Assert.Equal([0, 2], got);
    }

    [Theory]
    [InlineData(UdpBatchMode.Batched)]
    [InlineData(UdpBatchMode.Plain)]
    public void DualModeSocket_IPv4Peer_SeenAsMappedAndAnsweredAtIPv4(UdpBatchMode mode)
    {
        using var peer = Open(UdpBatchMode.Plain, AddressFamily.InterNetwork);
        using var dual = Open(mode, AddressFamily.InterNetworkV6, dualMode: true);
        var port = ((IPEndPoint)dual.LocalEndPoint).Port;
        var batch = new UdpBatch(1, 256);
        batch.Lengths[0] = Fill(batch.Slot(0), 1);
        batch.Endpoints[0] = UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, port));
        Assert.Equal(1, peer.SendBatch(batch, 0, 1));

        var inbound = new UdpBatch(4, 2048);
        Assert.Equal(1, dual.ReceiveBatch(inbound, 0));
        Assert.True(inbound.Endpoints[0].IsIPv4MappedToIPv6);
        Assert.Equal(EndpointOf(peer), inbound.Endpoints[0].Unmapped);

        inbound.Endpoints[0] = inbound.Endpoints[0].Unmapped; // an IPv4 destination on a dual-mode socket
        Assert.Equal(1, dual.SendBatch(inbound, 0, 1));
        var back = new UdpBatch(4, 2048);
        Assert.Equal(1, peer.ReceiveBatch(back, 0));
        Assert.True(IsIntact(back.Datagram(0, 0), out var sequence));
        Assert.Equal(1, sequence);
    }

    public static TheoryData<AddressFamily, int, UdpBatchMode> GsoCases()
    {
        var data = new TheoryData<AddressFamily, int, UdpBatchMode>();
        foreach (var receiver in new[] { UdpBatchMode.Plain, UdpBatchMode.BatchedNoOffload, UdpBatchMode.Batched })
        {
            data.Add(AddressFamily.InterNetwork, 1200, receiver);
            data.Add(AddressFamily.InterNetworkV6, 1200, receiver);
            data.Add(AddressFamily.InterNetwork, 64, receiver);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(GsoCases))]
    public void SendBatch_RunOfSameSizeDatagramsWithGso_ArriveSeparatelyIntactInOrder(AddressFamily family, int size,
        UdpBatchMode receiverMode)
    {
        // 100 datagrams of one size and a shorter last one, to one destination: the GSO sender packs them into two
        // messages (64 segments at most each). A receiver without GRO gets 101 datagrams from the kernel; one with
        // GRO gets the coalesced messages and must split them, across calls when its batch (7 here) is smaller.
        const int count = 101;
        using var sender = (RecvmmsgUdpSocket)Open(UdpBatchMode.Batched, family);
        using var receiver = Open(receiverMode, family);
        Assert.True(sender.UsesSegmentationOffload);
        var batch = new UdpBatch(count, 2048);
        for (var i = 0; i < count; i++)
        {
            var length = i == count - 1 ? size / 2 : size;
            BinaryPrimitives.WriteInt32BigEndian(batch.Slot(i), i);
            batch.Slot(i)[4..length].Fill((byte)i);
            batch.Lengths[i] = length;
            batch.Endpoints[i] = EndpointOf(receiver);
        }
        Assert.Equal(count, sender.SendBatch(batch, 0, count));
        Assert.True(sender.UsesSegmentationOffload, "the kernel refused GSO on loopback");
        Assert.Equal(count, sender.SegmentedDatagrams); // 64 + 37: both messages went out segmented

        var inbound = new UdpBatch(7, 2048);
        var next = 0;
        while (next < count && receiver.ReceiveBatch(inbound, 16) is var n and > 0)
            for (var i = 0; i < n; i++, next++)
            {
                var datagram = inbound.Datagram(i, 16);
                Assert.Equal(next == count - 1 ? size / 2 : size, datagram.Length);
                Assert.Equal(next, BinaryPrimitives.ReadInt32BigEndian(datagram));
                Assert.Equal(datagram.Length - 4, datagram[4..].Count((byte)next));
                Assert.Equal(EndpointOf(sender), inbound.Endpoints[i]);
            }
        Assert.Equal(count, next);
        Assert.Equal(0, receiver.ReceiveBatch(inbound, 16));
        if (receiver is RecvmmsgUdpSocket { UsesReceiveOffload: true } gro)
            Assert.Equal(count, gro.CoalescedDatagrams); // loopback hands the GSO messages over whole
    }

    [Theory]
    [InlineData(1200, true)]   // segments fit the 1500-byte link: one GSO message per run
    [InlineData(1600, false)]  // segments above the link MTU: the kernel refuses GSO (EINVAL), sent one by one
    public void SendBatch_GsoAcrossVethLink_AllArriveIntact(int size, bool segmented)
    {
        // h -- veth (MTU 1500) -- peer: a real link between two namespaces instead of loopback.
        var peer = Net.AddHost("peer");
        Net.Link(Host, "eth0", "192.0.2.1/24", peer, "eth0", "192.0.2.2/24");
        RecvmmsgUdpSocket OpenOn(LabHost host, string address) => NetnsThread.Run(host, () =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.SetRawSocketOption(1, 33, BitConverter.GetBytes(4 << 20));
            socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
            return (RecvmmsgUdpSocket)UdpBatchSockets.Create(socket, Timeout, UdpBatchMode.Batched);
        });
        using var sender = OpenOn(Host, "192.0.2.1");
        using var receiver = OpenOn(peer, "192.0.2.2");
        const int count = 50;
        var batch = new UdpBatch(count, 2048);
        var destination = EndpointOf(receiver);
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(batch.Slot(i), i);
            batch.Slot(i)[4..size].Fill((byte)i);
            batch.Lengths[i] = size;
            batch.Endpoints[i] = destination;
        }
        var sent = sender.SendBatch(batch, 0, count);
        Output.WriteLine($"sent {sent}, send failures {sender.Counters.SendFailures}");
        Assert.Equal(count, sent);
        Assert.Equal(segmented ? count : 0, sender.SegmentedDatagrams);

        var inbound = new UdpBatch(64, 2048);
        var got = new List<int>();
        while (got.Count < count && receiver.ReceiveBatch(inbound, 0) is var n and > 0)
            for (var i = 0; i < n; i++)
            {
                Assert.Equal(size, inbound.Lengths[i]);
                var sequence = BinaryPrimitives.ReadInt32BigEndian(inbound.Datagram(i, 0));
                Assert.Equal(size - 4, inbound.Datagram(i, 0)[4..].Count((byte)sequence));
                got.Add(sequence);
            }
        Assert.Equal(Enumerable.Range(0, count), got);
        Output.WriteLine($"size {size}: {sender.SegmentedDatagrams} sent segmented, {receiver.CoalescedDatagrams} " +
                         "received coalesced");
    }

    [Fact]
    public void SendBatch_GsoWithInterleavedDestinations_EachReceiverGetsExactlyItsOwnInOrder()
    {
        // Same-size datagrams: 0-9 to the first receiver, then alternating (even to the first), then 30-39 to the second.
        // A run may only join datagrams to one destination; a wrong grouping would deliver to the wrong socket.
        using var sender = (RecvmmsgUdpSocket)Open(UdpBatchMode.Batched, AddressFamily.InterNetwork);
        using var first = Open(UdpBatchMode.Batched, AddressFamily.InterNetwork);
        using var second = Open(UdpBatchMode.Batched, AddressFamily.InterNetwork);
        const int count = 40;
        var batch = new UdpBatch(count, 512);
        var expected = new[] { new List<int>(), new List<int>() };
        for (var i = 0; i < count; i++)
        {
            var to = i < 10 ? 0 : i >= 30 ? 1 : i % 2;
            BinaryPrimitives.WriteInt32BigEndian(batch.Slot(i), i);
            batch.Slot(i)[4..300].Fill((byte)i);
            batch.Lengths[i] = 300;
            batch.Endpoints[i] = EndpointOf(to == 0 ? first : second);
            expected[to].Add(i);
        }
        Assert.Equal(count, sender.SendBatch(batch, 0, count));
        // Runs: 0-10 to the first (10 is even, so it joins), 29-39 to the second; the alternating ones go alone.
        Assert.Equal(22, sender.SegmentedDatagrams);

        foreach (var (receiver, want) in new[] { (first, expected[0]), (second, expected[1]) })
        {
            var got = new List<int>();
            var inbound = new UdpBatch(64, 2048);
            while (got.Count < want.Count && receiver.ReceiveBatch(inbound, 0) is var n and > 0)
                for (var i = 0; i < n; i++)
                {
                    var sequence = BinaryPrimitives.ReadInt32BigEndian(inbound.Datagram(i, 0));
                    Assert.Equal(296, inbound.Datagram(i, 0)[4..].Count((byte)sequence));
                    got.Add(sequence);
                }
            Assert.Equal(want, got);
        }
    }

    [Theory]
    [InlineData(UdpBatchMode.Batched)]
    [InlineData(UdpBatchMode.BatchedNoOffload)]
    [InlineData(UdpBatchMode.Plain)]
    public void ReceiveBatch_EmptyDatagramBetweenOthers_DeliveredWithLengthZero(UdpBatchMode mode)
    {
        using var sender = Open(UdpBatchMode.Plain, AddressFamily.InterNetwork);
        using var receiver = Open(mode, AddressFamily.InterNetwork);
        var batch = new UdpBatch(3, 256);
        for (var i = 0; i < 3; i++)
        {
            batch.Lengths[i] = i == 1 ? 0 : Fill(batch.Slot(i), i);
            batch.Endpoints[i] = EndpointOf(receiver);
        }
        Assert.Equal(3, sender.SendBatch(batch, 0, 3));
        var inbound = new UdpBatch(8, 2048);
        var lengths = new List<int>();
        while (lengths.Count < 3 && receiver.ReceiveBatch(inbound, 0) is var n and > 0)
            for (var i = 0; i < n; i++) lengths.Add(inbound.Lengths[i]);
        Assert.Equal([Fill(new byte[2048], 0), 0, Fill(new byte[2048], 2)], lengths);
    }

    [Theory]
    [InlineData(UdpBatchMode.Batched)]
    [InlineData(UdpBatchMode.BatchedNoOffload)]
    [InlineData(UdpBatchMode.Plain)]
    public void Dispose_WhileAnotherThreadReceives_TheReceiveEndsWithinTheTimeout(UdpBatchMode mode)
    {
        var socket = Open(mode, AddressFamily.InterNetwork);
        Exception? ended = null;
        var result = -1;
        var receiving = new Thread(() =>
        {
            try
            {
                var batch = new UdpBatch(8, 256);
                while (true) result = socket.ReceiveBatch(batch, 0); // until Dispose makes it throw
            }
            catch (Exception e) // carried out of the thread and checked below, not swallowed
            {
                ended = e;
            }
        });
        receiving.Start();
        Thread.Sleep(100);
        socket.Dispose();
        Assert.True(receiving.Join(TimeSpan.FromSeconds(5)), "the receive loop did not end after Dispose");
        Assert.True(ended is ObjectDisposedException, $"the receive ended with {ended}");
    }

    [Fact]
    public void Create_Auto_OnThisLinuxChoosesRecvmmsgUnlessTheEnvironmentSaysPlain()
    {
        using var auto = Open(UdpBatchMode.Auto, AddressFamily.InterNetwork);
        var forced = Environment.GetEnvironmentVariable(UdpBatchSockets.EnvironmentVariable);
        var expected = forced?.Trim().ToLowerInvariant() switch
        {
            "plain" => "plain",
            "batched-no-gso" => "recvmmsg/sendmmsg",
            _ => "recvmmsg/sendmmsg+gso+gro",
        };
        Assert.Equal(expected, auto.Kind);
        using var plain = Open(UdpBatchMode.Plain, AddressFamily.InterNetwork);
        Assert.Equal("plain", plain.Kind);
    }

    public override void Dispose()
    {
        base.Dispose();
    }
}
