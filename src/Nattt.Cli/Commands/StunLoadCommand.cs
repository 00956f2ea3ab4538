using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Nattt.Stun.Wire;

namespace Nattt.Cli.Commands;

/// <summary>
/// `nattt stun-load` (hidden, for bench/stun-rps.sh): a bounded Binding-request load generator. Each socket keeps a
/// window of requests outstanding and sends a new one per response; a window that sees no response for 200 ms is
/// sent again (counted as lost). Prints one line of results.
/// </summary>
internal static class StunLoadCommand
{
    public static Command Create()
    {
        var server = new Argument<string>("server") { Description = "STUN server IP:PORT." };
        var duration = new Option<int>("--duration") { Description = "Seconds of load (1..120). Defaults to 10.", DefaultValueFactory = _ => 10 };
        var sockets = new Option<int>("--sockets") { Description = "Client sockets (1..256). Defaults to 16.", DefaultValueFactory = _ => 16 };
        var window = new Option<int>("--window") { Description = "Outstanding requests per socket (1..64). Defaults to 8.", DefaultValueFactory = _ => 8 };
        var command = new Command("stun-load", "Benchmark load generator: Binding requests per second against a STUN server (bounded in time).") { server };
        command.Hidden = true;
        foreach (var o in new Option[] { duration, sockets, window }) command.Options.Add(o);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!IPEndPoint.TryParse(parse.GetValue(server)!, out var target) || target.Port == 0)
            {
                Console.Error.WriteLine("nattt stun-load: SERVER must be IP:PORT");
                return 2;
            }
            int seconds = Math.Clamp(parse.GetValue(duration), 1, 120);
            int socketCount = Math.Clamp(parse.GetValue(sockets), 1, 256);
            int windowSize = Math.Clamp(parse.GetValue(window), 1, 64);
            var counters = new long[3]; // sent, received, lost windows
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, socketCount).Select(i => Task.Run(() => RunSocket(target, i, windowSize, counters, stop.Token))));
            double elapsed = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"sent={counters[0]} received={counters[1]} lost_windows={counters[2]} seconds={elapsed:0.00} " +
                              $"responses_per_second={counters[1] / elapsed:0}");
            return 0;
        });
        return command;
    }

    private static async Task RunSocket(IPEndPoint target, int index, int window, long[] counters, CancellationToken stop)
    {
        using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(target);
        var request = new byte[64];
        var w = new StunMessageWriter(request, StunMessageType.BindingRequest, new byte[12]);
        int length = w.BytesWritten;
        var buffer = new byte[1500];
        uint sequence = 0;
        async Task SendOne()
        {
            BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(8), index);
            BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(12), ++sequence);
            await socket.SendAsync(request.AsMemory(0, length), SocketFlags.None, stop);
            Interlocked.Increment(ref counters[0]);
        }
        try
        {
            for (int i = 0; i < window; i++) await SendOne();
            while (!stop.IsCancellationRequested)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(200);
                try
                {
                    int n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                    if (n >= StunConstants.HeaderLength && buffer[0] == 0x01 && buffer[1] == 0x01) Interlocked.Increment(ref counters[1]);
                    await SendOne();
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref counters[2]);
                    for (int i = 0; i < window; i++) await SendOne();
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
                {
                    await Task.Delay(10, stop);
                }
            }
        }
        catch (OperationCanceledException) { /* the run's time is up */ }
    }
}
