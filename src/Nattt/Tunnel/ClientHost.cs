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
/// The <c>nattt client</c> daemon (the paper's natttd) without its DNS part: the TUN device the stand-in pool is
/// routed to, the tunnel socket, and the <see cref="ClientEngine"/> between them; keepalives to active first hops and
/// expiry of mappings on timers. <see cref="Mappings"/> is what the DNS proxy allocates through.
/// Start/Dispose from one thread; status and mappings from any thread.
/// </summary>
public sealed class ClientHost : IAsyncDisposable
{
    private const int BufferSize = 65536;
    private readonly ClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RateLimitedLog _dropLog;
    private readonly ClientRouting _routing;
    private readonly CancellationTokenSource _stop = new();
    private readonly long _startedTicks;
    private readonly List<Func<Dictionary<string, object?>>> _statusExtensions = [];
    private Socket? _socket;
    private TunDevice? _tun;
    private ControlServer? _control;
    private Thread? _fromApp, _fromTunnel;
    private ITimer? _keepalive, _expiry;

    public ClientHost(ClientOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        _options = options;
        _logger = loggers.CreateLogger("nattt.client");
        _time = time;
        _dropLog = new RateLimitedLog(_logger, time, TimeSpan.FromSeconds(10));
        _routing = new ClientRouting(options, new NetworkConfig(loggers.CreateLogger("nattt.client.net")), _logger);
        Table = new StandInTable(options.Pool, time, options.MappingIdle, options.Pool6);
        Engine = new ClientEngine(Table, options.TunMtu);
        foreach (var m in options.Mappings) Table.AddStatic(m.Path, m.Name, m.StandIn);
        _startedTicks = time.GetTimestamp();
    }

    public StandInTable Table { get; }
    public ClientEngine Engine { get; }
    /// <summary>The stand-in table as the DNS proxy uses it.</summary>
    public IStandInMappings Mappings => Table;

    /// <summary>Adds a section to the status document (the DNS proxy adds its counters).</summary>
    public void AddStatusSection(Func<Dictionary<string, object?>> section) => _statusExtensions.Add(section);

    public void Start()
    {
        var why = ClientRouting.WhyNotReady();
        if (why is not null) throw new PlatformException(why);
        _routing.ClearLeftovers();
        try
        {
            _tun = TunDevice.Open(_options.TunName);
            _routing.Install(Table.OwnAddress.ToString(), Table.OwnAddress6.ToString());
            _socket = OpenSocket(_options.LocalPort);
            Engine.LocalPort = (ushort)((IPEndPoint)_socket.LocalEndPoint!).Port;
            _control = new ControlServer(_options.ControlSocket, HandleControl, _logger);
        }
        catch
        {
            _tun?.Dispose();
            _routing.Dispose();
            throw;
        }
        _fromApp = new Thread(FromAppLoop) { IsBackground = true, Name = "client app->tunnel" };
        _fromTunnel = new Thread(FromTunnelLoop) { IsBackground = true, Name = "client tunnel->app" };
        _fromApp.Start();
        _fromTunnel.Start();
        if (_options.Keepalive > TimeSpan.Zero)
            _keepalive = _time.CreateTimer(_ => SendKeepalives(), null, _options.Keepalive, _options.Keepalive);
        _expiry = _time.CreateTimer(_ => Table.Expire(), null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        foreach (var m in Table.Snapshot())
            _logger.LogInformation("mapping {Name}: {StandIn} -> {Path}", m.Name, m.StandIn, m.Path);
        _logger.LogInformation("client tunnel socket on udp port {Port}", Engine.LocalPort);
        _logger.LogInformation("ready");
    }

    private static Socket OpenSocket(int port)
    {
        // One dual-mode socket serves IPv4 and IPv6 hops; hosts without IPv6 get an IPv4 socket.
        Socket socket;
        try
        {
            socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true };
            socket.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressFamilyNotSupported or SocketError.AddressNotAvailable)
        {
            socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
        }
        catch (SocketException e)
        {
            throw new PlatformException($"cannot open the tunnel socket on udp port {port}: {e.Message}");
        }
        socket.ReceiveBufferSize = 4 << 20;
        socket.SendBufferSize = 4 << 20;
        return socket;
    }

    private void FromAppLoop()
    {
        var buffer = GC.AllocateArray<byte>(ClientEngine.Headroom + BufferSize, pinned: true);
        var to = new SocketAddress(_socket!.AddressFamily);
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try { n = _tun!.Read(buffer.AsSpan(ClientEngine.Headroom), 200); }
            catch (ObjectDisposedException) { return; }
            if (n == 0) continue;
            var verdict = Engine.FromApplication(buffer, ClientEngine.Headroom, n, out var start, out var length,
                out var hop, out var hopPort, out var reason);
            if (verdict != TunnelVerdict.Forward)
            {
                _dropLog.Warn(reason.ToString(), "dropped a packet from an application");
                continue;
            }
            Send(buffer.AsSpan(start, length), hop, hopPort, to);
        }
    }

    private void Send(ReadOnlySpan<byte> payload, IpAddressValue hop, ushort port, SocketAddress to)
    {
        if (!hop.IsIPv4 && _socket!.AddressFamily == AddressFamily.InterNetwork)
        {
            Engine.Counters.Drop(TunnelDropReason.FamilyMismatch);
            return;
        }
        SocketAddressCodec.Write(to, hop, port);
        try { _socket!.SendTo(payload, SocketFlags.None, to); }
        catch (SocketException e)
        {
            Engine.Counters.Drop(TunnelDropReason.WriteFailed);
            _dropLog.Warn("send", $"sending to {BoxEngine.Endpoint(hop, port)} failed: {e.SocketErrorCode}");
        }
        catch (ObjectDisposedException) { /* stopping */ }
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
                _dropLog.Warn("receive", $"tunnel socket: {e.SocketErrorCode}");
                continue;
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException) { return; }
            SocketAddressCodec.Read(from, out var address, out var port);
            var verdict = Engine.FromTunnel(buffer.AsSpan(0, n), address, port, out var start, out var length, out var reason);
            if (verdict == TunnelVerdict.Forward)
            {
                try
                {
                    if (!_tun!.Write(buffer.AsSpan(start, length))) Engine.Counters.Drop(TunnelDropReason.WriteFailed);
                }
                catch (ObjectDisposedException) { return; }
            }
            else if (verdict == TunnelVerdict.Drop)
                _dropLog.Warn(reason.ToString(), $"dropped a tunnel packet from {BoxEngine.Endpoint(address, port)}");
        }
    }

    private void SendKeepalives()
    {
        var to = new SocketAddress(_socket!.AddressFamily);
        foreach (var (address, port) in Table.ActiveFirstHops()) Send([], address, port, to);
    }

    private string? HandleControl(string command) => command switch
    {
        "status" => JsonSerializer.Serialize(Status(), StatusJson.Options),
        _ => null,
    };

    public ClientStatus Status()
    {
        var extra = new Dictionary<string, object?>();
        foreach (var section in _statusExtensions)
            foreach (var (k, v) in section()) extra[k] = v;
        return new ClientStatus(
            Role: "client",
            Tun: _options.TunName,
            Pool: _options.Pool.ToString(),
            OwnAddress: Table.OwnAddress.ToString(),
            LocalPort: Engine.LocalPort,
            UptimeSeconds: Math.Round(_time.GetElapsedTime(_startedTicks).TotalSeconds, 1),
            Counters: Engine.Counters.Snapshot(),
            Mappings: Table.Snapshot(),
            Extra: extra);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _keepalive?.Dispose();
        _expiry?.Dispose();
        _socket?.Dispose();
        _fromTunnel?.Join();
        _tun?.Dispose();
        _fromApp?.Join();
        if (_control is not null) await _control.DisposeAsync();
        _routing.Dispose();
        _logger.LogInformation("client stopped; {Tun} and its routes removed", _options.TunName);
    }
}

public sealed record ClientStatus(
    string Role, string Tun, string Pool, string OwnAddress, int LocalPort, double UptimeSeconds,
    Dictionary<string, long> Counters, IReadOnlyList<StandInSnapshot> Mappings, Dictionary<string, object?> Extra);
