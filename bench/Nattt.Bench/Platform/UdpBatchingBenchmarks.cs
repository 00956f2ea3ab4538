using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Nattt.Platform.Linux;

namespace Nattt.Bench.Platform;

/// <summary>
/// Datagrams per second over loopback through <see cref="PlainUdpSocket"/> (one system call per datagram each way)
/// and <see cref="RecvmmsgUdpSocket"/> (BatchedNoOffload: one recvmmsg/sendmmsg per batch; Batched adds UDP GSO and
/// GRO, so the 32 same-size datagrams leave as one message, cross the stack once, arrive as one coalesced message and
/// are split back into slots). One operation = one datagram sent and
/// received; its time is the cost per datagram of both ends on one thread, so 1 s / Mean = datagrams per second.
/// Run it inside a namespace of its own: bench/run-udp-batching.sh does, and writes bench/results/udp-batching.md.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class UdpBatchingBenchmarks
{
    private const int BatchSize = 32;
    private IUdpBatchSocket _sender = null!;
    private IUdpBatchSocket _receiver = null!;
    private readonly UdpBatch _sendBatch = new(BatchSize, 2048);
    private readonly UdpBatch _receiveBatch = new(64, 2048);

    [Params(UdpBatchMode.Plain, UdpBatchMode.BatchedNoOffload, UdpBatchMode.Batched)]
    public UdpBatchMode Mode { get; set; }

    /// <summary>64 bytes: the packets-per-second payload; 1400: a full tunnel packet.</summary>
    [Params(64, 1400)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _sender = Open(Mode);
        _receiver = Open(Mode);
        var destination = UdpEndpoint.FromIPEndPoint((IPEndPoint)_receiver.LocalEndPoint);
        for (var i = 0; i < BatchSize; i++)
        {
            _sendBatch.Slot(i)[..PayloadSize].Fill((byte)i);
            _sendBatch.Lengths[i] = PayloadSize;
            _sendBatch.Endpoints[i] = destination;
        }
        Console.WriteLine($"// {Mode}: sender {_sender.Kind}, receiver {_receiver.Kind}");
    }

    private static IUdpBatchSocket Open(UdpBatchMode mode)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.ReceiveBufferSize = 1 << 20;
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return UdpBatchSockets.Create(socket, TimeSpan.FromSeconds(1), mode);
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int SendAndReceive()
    {
        var sent = _sender.SendBatch(_sendBatch, 0, BatchSize);
        var received = 0;
        while (received < sent)
        {
            var n = _receiver.ReceiveBatch(_receiveBatch, 0);
            if (n == 0) throw new InvalidOperationException($"lost {sent - received} datagrams on loopback");
            received += n;
        }
        return received;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _receiver.Dispose();
    }
}
