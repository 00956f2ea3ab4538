using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Nattt.Turn.Client;

namespace Nattt.Cli.Commands;

/// <summary>
/// `nattt turn-load` (hidden, for bench/turn-relay.sh): the same load for any TURN server. Mode "relay": N allocations
/// each bound to a channel to an echo peer, each keeping WINDOW packets in flight for DURATION seconds; prints the
/// echoes per second (every echo crosses the relay twice). Mode "allocate": makes N allocations from N sockets, prints
/// "allocated N", holds them HOLD seconds (for the bench to read the server's memory), and exits.
/// </summary>
internal static class TurnLoadCommand
{
    public static Command Create()
    {
        var server = new Argument<string>("server") { Description = "ADDRESS:PORT of the TURN server." };
        var user = new Option<string>("--user", "-u") { Description = "User name.", Required = true };
        var password = new Option<string>("--password", "-w") { Description = "Password.", Required = true };
        var mode = new Option<string>("--mode") { Description = "relay or allocate. Defaults to relay.", DefaultValueFactory = _ => "relay" };
        var peer = new Option<string?>("--peer") { Description = "Echo peer ADDRESS:PORT (relay mode)." };
        var allocations = new Option<int>("--allocations", "-m") { Description = "Allocations. Defaults to 4.", DefaultValueFactory = _ => 4 };
        var size = new Option<int>("--size") { Description = "Payload bytes. Defaults to 1000.", DefaultValueFactory = _ => 1000 };
        var window = new Option<int>("--window") { Description = "Packets in flight per allocation. Defaults to 32.", DefaultValueFactory = _ => 32 };
        var duration = new Option<double>("--duration") { Description = "Seconds of relay load. Defaults to 10.", DefaultValueFactory = _ => 10 };
        var hold = new Option<double>("--hold") { Description = "Seconds to hold allocations (allocate mode). Defaults to 5.", DefaultValueFactory = _ => 5 };
        var command = new Command("turn-load", "Load generator for bench/turn-relay.sh.") { Hidden = true };
        command.Arguments.Add(server);
        foreach (var o in new Option[] { user, password, mode, peer, allocations, size, window, duration, hold }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            if (!IPEndPoint.TryParse(parse.GetValue(server)!, out var endPoint)) { Console.Error.WriteLine("turn-load: bad server"); return 2; }
            string u = parse.GetValue(user)!, w = parse.GetValue(password)!;
            int n = parse.GetValue(allocations);
            if (parse.GetValue(mode) == "allocate") return AllocateMany(endPoint, u, w, n, parse.GetValue(hold));
            if (!IPEndPoint.TryParse(parse.GetValue(peer) ?? "", out var peerEndPoint)) { Console.Error.WriteLine("turn-load: --peer needed"); return 2; }
            return Relay(endPoint, u, w, n, peerEndPoint, parse.GetValue(size), parse.GetValue(window), parse.GetValue(duration));
        });
        return command;
    }

    /// <summary>One request/response over a blocking socket, answering the 401/438 challenges; a lost answer is
    /// retransmitted with the same bytes (a new transaction would meet 437 if the first one succeeded).</summary>
    private static TurnResponse Transact(Socket socket, IPEndPoint server, TurnClientSession session, Func<TurnClientSession, byte[], int> write)
    {
        var buffer = new byte[2048];
        var answer = new byte[2048];
        int length = write(session, buffer);
        for (int sends = 0, challenges = 0; sends < 8;)
        {
            socket.Send(buffer.AsSpan(0, length));
            sends++;
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                int got;
                try { got = socket.Receive(answer); }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut) { break; }
                var response = session.HandleResponse(answer.AsSpan(0, got));
                if (response.Kind == TurnResponseKind.Retry && ++challenges < 4)
                {
                    length = write(session, buffer);
                    sends = 0;
                    break;
                }
                if (response.Kind != TurnResponseKind.Unrelated) return response;
            }
        }
        return new TurnResponse(TurnResponseKind.Error, 0, 0, "timeout");
    }

    private static Socket Open(IPEndPoint server)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 500 };
        socket.Connect(server);
        return socket;
    }

    private static int AllocateMany(IPEndPoint server, string user, string password, int count, double holdSeconds)
    {
        var sockets = new Socket[count];
        var sessions = new TurnClientSession[count];
        int next = -1, ok = 0, failed = 0;
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, 32).Select(_ => Task.Run(() =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                sockets[i] = Open(server);
                sessions[i] = new TurnClientSession(user, password);
                var r = Transact(sockets[i], server, sessions[i], (s, b) => s.WriteAllocate(b));
                if (r.Kind == TurnResponseKind.Success) Interlocked.Increment(ref ok);
                else if (Interlocked.Increment(ref failed) <= 3) Console.Error.WriteLine($"allocate failed: {r.ErrorCode} {r.Reason}");
            }
        })).ToArray();
        Task.WaitAll(workers);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"allocated {ok} failed {failed} seconds={Stopwatch.GetElapsedTime(started).TotalSeconds:0.0}"));
        Console.Out.Flush();
        Thread.Sleep(TimeSpan.FromSeconds(holdSeconds));
        // Delete them (Refresh 0): a later run may get the same ephemeral ports, and with them these 5-tuples.
        Parallel.ForEach(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, i =>
        {
            if (sockets[i] is { } s) { Delete(s, server, sessions[i]); s.Dispose(); }
        });
        return failed == 0 ? 0 : 1;
    }

    private static void Delete(Socket socket, IPEndPoint server, TurnClientSession session)
    {
        socket.ReceiveTimeout = 500;
        Transact(socket, server, session, (s, b) => s.WriteRefresh(b, 0));
    }

    private static int Relay(IPEndPoint server, string user, string password, int count, IPEndPoint peer, int size, int window, double seconds)
    {
        var sockets = new Socket[count];
        var sessions = new TurnClientSession[count];
        for (int i = 0; i < count; i++)
        {
            sockets[i] = Open(server);
            var session = sessions[i] = new TurnClientSession(user, password);
            var a = Transact(sockets[i], server, session, (s, b) => s.WriteAllocate(b));
            var c = a.Kind == TurnResponseKind.Success ? Transact(sockets[i], server, session, (s, b) => s.WriteChannelBind(b, 0x4000, peer)) : a;
            if (c.Kind != TurnResponseKind.Success) { Console.Error.WriteLine($"turn-load: {c.ErrorCode} {c.Reason}"); return 1; }
            sockets[i].ReceiveTimeout = 50;
        }
        long sent = 0, received = 0, stalls = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var threads = sockets.Select(socket => Task.Factory.StartNew(() =>
        {
            var packet = new byte[size + 4];
            int length = TurnClientSession.WriteChannelData(packet, 0x4000, new byte[size], stream: false);
            var answer = new byte[65536];
            long mySent = 0, myReceived = 0, myForgiven = 0;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                while (mySent - myReceived - myForgiven < window) { socket.Send(packet.AsSpan(0, length)); mySent++; }
                try { socket.Receive(answer); myReceived++; }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
                {
                    Interlocked.Increment(ref stalls); // 50 ms without an echo: count what is in flight as lost, refill
                    myForgiven = mySent - myReceived;
                }
            }
            Interlocked.Add(ref sent, mySent);
            Interlocked.Add(ref received, myReceived);
        }, TaskCreationOptions.LongRunning)).ToArray();
        Task.WaitAll(threads);
        double elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        long echoes = received;
        double echoesPerSecond = echoes / elapsed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sent={sent} echoed={echoes} stalls={stalls} seconds={elapsed:0.00} echoes_per_second={echoesPerSecond:0} relayed_packets_per_second={2 * echoesPerSecond:0} relayed_mbit_per_second={2 * echoesPerSecond * size * 8 / 1e6:0.0}"));
        for (int i = 0; i < count; i++) { Delete(sockets[i], server, sessions[i]); sockets[i].Dispose(); }
        return 0;
    }
}
