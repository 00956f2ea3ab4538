using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Nattt.Diagnostics;
using Nattt.Packets;
using Nattt.Platform.Linux;
using Nattt.Transport;

namespace Nattt.Tunnel;

/// <summary>
/// The <c>nattt box</c> daemon: a UDP socket for the tunnel, a TUN device for the private network's replies, and the
/// <see cref="BoxEngine"/> between them. Two dedicated threads (socket to TUN, TUN to socket) and a timer for expiry.
/// Start/Stop from one thread; the status and counters may be read from any thread.
/// </summary>
public sealed class BoxHost : IAsyncDisposable
{
    private const int BufferSize = 65536;
    private readonly BoxOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RateLimitedLog _dropLog;
    private readonly BoxRouting _routing;
    private readonly CancellationTokenSource _stop = new();
    private Socket? _socket;
    private TunDevice? _tun;
    private ControlServer? _control;
    private Thread? _fromTunnel, _fromLan;
    private ITimer? _expiry;
    private readonly long _startedTicks;

    public BoxHost(BoxOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        _options = options;
        _logger = loggers.CreateLogger("nattt.box");
        _time = time;
        _dropLog = new RateLimitedLog(_logger, time, TimeSpan.FromSeconds(10));
        _routing = new BoxRouting(options, new NetworkConfig(loggers.CreateLogger("nattt.box.net")), _logger);
        Engine = new BoxEngine(new ExposurePolicy(options.Publish), options.Limits, time) { MaxInnerPacket = options.TunMtu };
        _startedTicks = time.GetTimestamp();
    }

    public BoxEngine Engine { get; }

    /// <summary>Sets up the kernel side and starts the loops. Throws <see cref="PlatformException"/> or
    /// <see cref="SocketException"/> with a one-line reason; whatever was set up is removed again.</summary>
    public void Start()
    {
        var why = BoxRouting.WhyNotReady();
        if (why is not null) throw new PlatformException(why);
        _routing.ClearLeftovers();
        try
        {
            _tun = TunDevice.Open(_options.TunName);
            _routing.Install();
            _socket = OpenSocket(_options.Listen);
            _control = new ControlServer(_options.ControlSocket, HandleControl, _logger);
        }
        catch
        {
            TearDown();
            throw; // the caller prints the one-line reason
        }
        _fromTunnel = new Thread(FromTunnelLoop) { IsBackground = true, Name = "box tunnel->lan" };
        _fromLan = new Thread(FromLanLoop) { IsBackground = true, Name = "box lan->tunnel" };
        _fromTunnel.Start();
        _fromLan.Start();
        _expiry = _time.CreateTimer(_ => Engine.ExpireIdle(), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
        _logger.LogInformation("box listening on {Listen}, tun {Tun}, publishing {Publish}", _options.Listen, _options.TunName,
            _options.Publish.Count == 0 ? "nothing" : string.Join(", ", _options.Publish));
        _logger.LogInformation("ready");
    }

    private static Socket OpenSocket(IPEndPoint listen)
    {
        var socket = new Socket(listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (listen.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = true;
        socket.ReceiveBufferSize = 4 << 20;
        socket.SendBufferSize = 4 << 20;
        try { socket.Bind(listen); }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new PlatformException($"cannot listen on udp {listen}: {e.Message}");
        }
        return socket;
    }

    private void FromTunnelLoop()
    {
        var buffer = GC.AllocateArray<byte>(BufferSize, pinned: true);
        var from = new SocketAddress(_socket!.AddressFamily);
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try { n = _socket.ReceiveFrom(buffer, SocketFlags.None, from); }
            catch (SocketException e) when (!_stop.IsCancellationRequested)
            {
                // An ICMP error for an earlier send (ConnectionReset) or an oversized datagram: not fatal for other flows.
                _dropLog.Warn("receive", $"tunnel socket: {e.SocketErrorCode}");
                continue;
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException) { return; }
            SocketAddressCodec.Read(from, out var address, out var port);
            var verdict = Engine.FromTunnel(buffer.AsSpan(0, n), address, port, out var length, out var reason);
            if (verdict == TunnelVerdict.Forward)
            {
                if (!_tun!.Write(buffer.AsSpan(0, length))) Engine.Counters.Drop(TunnelDropReason.WriteFailed);
            }
            else if (verdict == TunnelVerdict.Drop) _dropLog.Warn(reason.ToString(), $"dropped a tunnel packet from {BoxEngine.Endpoint(address, port)}");
        }
    }

    private void FromLanLoop()
    {
        var buffer = GC.AllocateArray<byte>(BufferSize, pinned: true);
        var to = new SocketAddress(_socket!.AddressFamily);
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try { n = _tun!.Read(buffer, 200); }
            catch (ObjectDisposedException) { return; }
            if (n == 0) continue;
            var verdict = Engine.FromLan(buffer.AsSpan(0, n), out var address, out var port, out var length, out var reason);
            if (verdict != TunnelVerdict.Forward)
            {
                _dropLog.Warn(reason.ToString(), "dropped a packet from the private network");
                continue;
            }
            if (!address.IsIPv4 && _socket.AddressFamily == AddressFamily.InterNetwork)
            {
                Engine.Counters.Drop(TunnelDropReason.FamilyMismatch);
                continue;
            }
            SocketAddressCodec.Write(to, address, port);
            try { _socket.SendTo(buffer.AsSpan(0, length), SocketFlags.None, to); }
            catch (SocketException e)
            {
                Engine.Counters.Drop(TunnelDropReason.WriteFailed);
                _dropLog.Warn("send", $"sending to {BoxEngine.Endpoint(address, port)} failed: {e.SocketErrorCode}");
            }
            catch (ObjectDisposedException) { return; }
        }
    }

    private string? HandleControl(string command) => command switch
    {
        "status" => JsonSerializer.Serialize(Status(), StatusJson.Options),
        _ => null,
    };

    public BoxStatus Status() => new(
        Role: "box",
        Listen: _options.Listen.ToString(),
        Tun: _options.TunName,
        Published: _options.Publish.Select(p => p.ToString()).ToList(),
        UptimeSeconds: Math.Round(_time.GetElapsedTime(_startedTicks).TotalSeconds, 1),
        Limits: new Dictionary<string, long>
        {
            ["max_flows"] = _options.Limits.MaxFlows,
            ["max_flows_per_source"] = _options.Limits.MaxFlowsPerSource,
        },
        Counters: Engine.Counters.Snapshot(),
        Flows: Engine.SnapshotFlows());

    private void TearDown()
    {
        _tun?.Dispose();
        _tun = null;
        _routing.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _expiry?.Dispose();
        _socket?.Dispose();
        _fromTunnel?.Join();
        _tun?.Dispose(); // the TUN loop notices within its poll timeout
        _fromLan?.Join();
        if (_control is not null) await _control.DisposeAsync();
        TearDown();
        _logger.LogInformation("box stopped; routing rules, nft table and {Tun} removed", _options.TunName);
    }
}

public sealed record BoxStatus(
    string Role, string Listen, string Tun, IReadOnlyList<string> Published, double UptimeSeconds,
    Dictionary<string, long> Limits, Dictionary<string, long> Counters, IReadOnlyList<BoxFlowSnapshot> Flows);

internal static class StatusJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };
}
